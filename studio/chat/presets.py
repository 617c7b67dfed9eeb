"""The providers a user can pick (presets with their base URLs) and where the API key comes from.

The key is read by `studio.core.credentials` at call time and never stored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from studio.chat.protocol import SIMULATOR_LABEL
from studio.core.credentials import KEY_NAMES, resolve_api_key

__all__ = ["KEY_NAMES", "PRESETS", "PRESETS_BY_KEY", "ProviderPreset", "api_key_status",
           "resolve_api_key"]  # fmt: skip


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


def api_key_status() -> str:
    """Where the key comes from, without revealing it (for the UI)."""
    if any(os.environ.get(n, "").strip() for n in KEY_NAMES):
        return "set in the environment"
    if resolve_api_key():
        return "set in .streamlit/secrets.toml"
    return "not set"
