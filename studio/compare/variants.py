"""A variant: what one side of a comparison or a suite run talks to.

Any saved version of any assistant, or its current draft, optionally with quick overrides on top
(a persona slider, the model, temperature, retrieval settings, a tool switched off). Overrides
never touch the stored configuration: they make a new configuration, validated like any other,
with its own hash, so logs tell the variants apart.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session

from studio.chat.results import TurnTarget
from studio.core.errors import FieldProblem, InvalidInput, problems_from_validation
from studio.design import assistants, versions
from studio.design.diffs import FieldChange, diff_configs, diff_prompts
from studio.design.schemas import SLIDERS, AssistantConfig, GroundingMode

Percent = Annotated[int, Field(ge=0, le=100)]


class Overrides(BaseModel):
    """Quick changes on top of a version or draft; None (or empty) means "as configured"."""

    model_config = ConfigDict(extra="forbid")

    sliders: dict[str, Percent] = Field(default_factory=dict)  # persona slider → 0..100
    model: str | None = Field(default=None, min_length=1, max_length=120)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_k: int | None = Field(default=None, ge=1, le=20)
    score_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    keyword_weight: float | None = Field(default=None, ge=0.0, le=1.0)
    grounding_mode: GroundingMode | None = None
    disabled_tools: list[str] = Field(default_factory=list, max_length=50)

    def is_empty(self) -> bool:
        """True when nothing is overridden."""
        return self == Overrides()

    def describe(self) -> list[str]:
        """Each override as a short phrase for labels ("empathy 90", "model gpt-4o")."""
        parts = [f"{name} {value}" for name, value in sorted(self.sliders.items())]
        for label, value in (
            ("model", self.model),
            ("temperature", self.temperature),
            ("top-k", self.top_k),
            ("threshold", self.score_threshold),
            ("keyword weight", self.keyword_weight),
            ("grounding", self.grounding_mode),
        ):
            if value is not None:
                parts.append(f"{label} {value}")
        parts.extend(f"without {name}" for name in self.disabled_tools)
        return parts


class VariantSpec(BaseModel):
    """Which configuration: an assistant, a version number (None: the draft), overrides."""

    assistant_id: int
    version: int | None = None
    overrides: Overrides = Field(default_factory=Overrides)


class Variant(BaseModel):
    """A resolved variant: its label for people and the target a turn runs."""

    spec: VariantSpec
    label: str  # e.g. "Northwind Support · v2 · empathy 90"
    target: TurnTarget


def apply_overrides(config: AssistantConfig, overrides: Overrides) -> AssistantConfig:
    """`config` with `overrides` applied and validated.

    Raises InvalidInput naming the override if a slider or tool does not exist or the result
    is not a valid configuration.
    """
    if overrides.is_empty():
        return config
    problems: list[FieldProblem] = []
    data: dict[str, Any] = config.model_dump(mode="json")
    for name, value in overrides.sliders.items():
        if name not in SLIDERS:
            problems.append(FieldProblem(f"sliders.{name}", f"choose one of {', '.join(SLIDERS)}"))
        data["persona"][name] = value
    if overrides.model is not None:
        data["model"]["model"] = overrides.model
    if overrides.temperature is not None:
        data["model"]["temperature"] = overrides.temperature
    for key in ("top_k", "score_threshold", "keyword_weight", "grounding_mode"):
        value = getattr(overrides, key)
        if value is not None:
            data["retrieval"][key] = value
    tools = {t["name"]: t for t in data["tools"]}
    for name in overrides.disabled_tools:
        if name not in tools:
            problems.append(
                FieldProblem("disabled_tools", f'"{name}" is not a tool of this assistant')
            )
        else:
            tools[name]["enabled"] = False
    if problems:
        raise InvalidInput("Some overrides do not fit this assistant.", problems=problems)
    try:
        return AssistantConfig.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            "The overrides make an invalid configuration.",
            problems=problems_from_validation(exc),
        ) from exc


def resolve_variant(*, session: Session, spec: VariantSpec) -> Variant:
    """The configuration `spec` names, ready to run. Raises NotFound if the assistant or version
    does not exist, InvalidInput if an override does not fit."""
    detail = assistants.get_assistant(session=session, assistant_id=spec.assistant_id)
    if spec.version is None:
        base, where = detail.draft, "draft"
    else:
        version = versions.get_version(
            session=session, assistant_id=spec.assistant_id, number=spec.version
        )
        base, where = version.config, f"v{spec.version}"
    config = apply_overrides(base, spec.overrides)
    label = " · ".join([detail.name, where, *spec.overrides.describe()])
    return Variant(
        spec=spec,
        label=label,
        target=TurnTarget(
            assistant_id=spec.assistant_id,
            config=config,
            config_hash=assistants.config_hash(config),
            version_number=spec.version,
        ),
    )


class VariantDifference(BaseModel):
    """What differs between two variants: configuration fields and the compiled prompts."""

    changes: list[FieldChange]
    prompt_diff: str

    @property
    def identical(self) -> bool:
        """True when both sides run exactly the same configuration."""
        return not self.changes and not self.prompt_diff


def difference(a: Variant, b: Variant) -> VariantDifference:
    """Field-level and compiled-prompt differences from variant `a` to variant `b`."""
    return VariantDifference(
        changes=diff_configs(a.target.config, b.target.config),
        prompt_diff=diff_prompts(
            a.target.config, b.target.config, old_label=a.label, new_label=b.label
        ),
    )
