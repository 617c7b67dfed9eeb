"""The providers a user can pick (presets with their base URLs) and where the API key comes from.

The key is read from the environment or `.streamlit/secrets.toml` at call time and never stored.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from studio.chat.protocol import SIMULATOR_LABEL
from studio.core.config import get_settings


@dataclass(frozen=True)
class ProviderPreset:
    key: str
    label: str
    base_url: str | None  # None: the simulator; "" : the user types a URL
    needs_key: bool


PRESETS: tuple[ProviderPreset, ...] = (
    ProviderPreset("simulator", SIMULATOR_LABEL, None, False),
    ProviderPreset("openai", "OpenAI", "https://api.openai.com/v1", True),
    ProviderPreset("ollama", "Ollama (this computer)", "http://localhost:11434/v1", False),
    ProviderPreset("vllm", "vLLM (this computer)", "http://localhost:8000/v1", False),
    ProviderPreset("lmstudio", "LM Studio (this computer)", "http://localhost:1234/v1", False),
    ProviderPreset(
        "llamacpp", "llama.cpp server (this computer)", "http://localhost:8080/v1", False
    ),
    ProviderPreset("custom", "Custom OpenAI-compatible URL", "", False),
)
PRESETS_BY_KEY = {p.key: p for p in PRESETS}

KEY_NAMES = ("STUDIO_LLM_API_KEY", "OPENAI_API_KEY")


def _secrets_files() -> list[Path]:
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
    for path in _secrets_files():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue  # a missing or broken secrets file simply means "no key there"
        for name in KEY_NAMES:
            stored = data.get(name)
            if isinstance(stored, str) and stored.strip():
                return stored.strip()
    return None


def api_key_status() -> str:
    """Where the key comes from, without revealing it (for the UI)."""
    if any(os.environ.get(n, "").strip() for n in KEY_NAMES):
        return "set in the environment"
    if resolve_api_key():
        return "set in .streamlit/secrets.toml"
    return "not set"
