"""Starting templates: realistic assistants shipped as YAML files in data/samples/templates/."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio.core.errors import NotFound, StudioError, problems_from_validation
from studio.design.schemas import AssistantConfig

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "data" / "samples" / "templates"


class Template(BaseModel):
    """One template file: how it is presented, and the configuration it starts from."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str  # "Customer support"
    description: str
    icon: str = ":material/smart_toy:"  # a Streamlit Material icon
    order: int = 100
    config: AssistantConfig

    @property
    def company_name(self) -> str:
        """The company the template's assistant speaks for."""
        return self.config.business.company_name

    @property
    def demo_name(self) -> str:
        """Name of the demo assistant seeded from this template."""
        return f"{self.company_name} — {self.title} (demo)"


def load_template(path: Path) -> Template:
    """Read and validate one template file. Raises StudioError naming the file and fields."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        template = Template.model_validate(data)
    except yaml.YAMLError as exc:
        raise StudioError(f"Template {path.name} is not valid YAML: {exc}") from exc
    except ValidationError as exc:
        raise StudioError(
            f"Template {path.name} is not a valid assistant.",
            problems=problems_from_validation(exc),
        ) from exc
    if template.key != path.stem:
        raise StudioError(
            f"Template {path.name} must have key {path.stem!r}, not {template.key!r}."
        )
    return template


@lru_cache(maxsize=4)
def _load_all(directory: Path) -> tuple[Template, ...]:
    templates = [load_template(p) for p in sorted(directory.glob("*.yaml"))]
    return tuple(sorted(templates, key=lambda t: (t.order, t.key)))


def list_templates(directory: Path = TEMPLATES_DIR) -> list[Template]:
    """Every shipped template, in display order (read once, then cached)."""
    return [t.model_copy(deep=True) for t in _load_all(directory)]


def get_template(key: str, directory: Path = TEMPLATES_DIR) -> Template:
    """The template with `key`. Raises NotFound if there is none."""
    for template in _load_all(directory):
        if template.key == key:
            return template.model_copy(deep=True)
    raise NotFound(f'There is no template "{key}". Pick one of the templates shown.')
