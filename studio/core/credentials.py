"""Where the provider's API key comes from: settings, the environment or `.streamlit/secrets.toml`.

The key is read at call time and never stored. Chat (providers) and knowledge (the endpoint
embedding) both send it, so it lives here, below both.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from studio.core.config import get_settings

KEY_NAMES = ("STUDIO_LLM_API_KEY", "OPENAI_API_KEY")


def secrets_files() -> list[Path]:
    """The `.streamlit/secrets.toml` files looked at, in order."""
    return [Path.cwd() / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"]


def resolve_api_key() -> str | None:
    """The API key from the environment or `.streamlit/secrets.toml`; None when none is set."""
    configured = get_settings().llm_api_key  # STUDIO_LLM_API_KEY, also from a .env file
    if configured is not None and configured.get_secret_value().strip():
        return configured.get_secret_value().strip()
    for name in KEY_NAMES:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    for path in secrets_files():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue  # a missing or broken secrets file simply means "no key there"
        for name in KEY_NAMES:
            stored = data.get(name)
            if isinstance(stored, str) and stored.strip():
                return stored.strip()
    return None
