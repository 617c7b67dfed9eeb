"""All settings of the studio, read from the environment (prefix ``STUDIO_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Typed settings. Every value has a default that works offline on one machine."""

    model_config = SettingsConfigDict(env_prefix="STUDIO_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"), description="Where the SQLite file and Chroma live."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to a SQLite file in data_dir."
    )
    chroma_host: str | None = Field(
        default=None, description="Chroma server host; embedded if unset."
    )
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    chroma_path: Path | None = Field(
        default=None, description="Embedded Chroma dir; data_dir/chroma."
    )
    seed_demo: bool = Field(default=True, description="Create the demo assistants on first start.")
    max_upload_mb: float = Field(default=20.0, gt=0)
    chroma_model_dir: Path | None = Field(
        default=None,
        description="Folder holding Chroma's all-MiniLM-L6-v2 ONNX model (onnx/ or onnx.tar.gz) "
        "for air-gapped installs; defaults to Chroma's own cache, ~/.cache/chroma/onnx_models.",
    )
    model_cache_dir: Path | None = Field(
        default=None,
        description="Where models derived on this machine (the 8-bit built-in MiniLM) are kept; "
        "defaults to data_dir/models.",
    )
    embedding_api_model: str = Field(
        default="text-embedding-3-small",
        description="Embedding model asked of the OpenAI-compatible endpoint (llm_base_url).",
    )
    max_import_kb: int = Field(default=512, gt=0, description="Largest assistant file to import.")
    max_transcript_mb: float = Field(default=50.0, gt=0, description="Largest transcript file.")
    max_transcript_conversations: int = Field(
        default=20_000, gt=0, description="Most conversations one transcript import may hold."
    )
    max_transcript_line_kb: int = Field(
        default=512, gt=0, description="Longest JSONL line (one conversation) of a transcript."
    )
    max_transcript_messages: int = Field(
        default=500, gt=0, description="Most messages in one imported conversation."
    )
    media_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts whose images may load in model replies, names and documents "
        "(comma-separated, e.g. cdn.example.com); any other image is shown as a link.",
    )

    tagger: Literal["embedding", "rules"] = Field(
        default="embedding",
        description="Offline tagger of stored intents: embedding (labelled examples on the "
        "built-in MiniLM, with the rules) or rules (keyword rules only).",
    )
    tag_with_model: bool = Field(
        default=False,
        description="Also ask the chat model for each live turn's tags (one short JSON call, "
        "never on the simulator); anything outside the label set keeps the offline tags.",
    )

    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint URL.")
    llm_api_key: SecretStr | None = Field(default=None, description="Falls back to OPENAI_API_KEY.")
    llm_model: str | None = Field(default=None, description="Overrides the assistant's model name.")
    llm_timeout_s: float = Field(default=30.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, le=10)

    auth_mode: Literal["off", "password", "oidc"] = Field(
        default="off",
        description="Sign-in: off (one local user, an admin), password (studio users), or oidc "
        "(Streamlit's st.login with the identity provider in .streamlit/secrets.toml [auth]).",
    )
    oidc_provider: str | None = Field(
        default=None,
        description="With auth_mode oidc: the provider name under [auth.<name>] in secrets.toml "
        "(unset: the single [auth] provider).",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key that encrypts provider keys an admin stores in Settings; "
        "without it keys can only come from the environment.",
    )
    turns_per_minute: int = Field(
        default=20, ge=1, description="Most real-model turns one person may send per minute."
    )
    daily_spend_cap_usd: float = Field(
        default=10.0, ge=0, description="Estimated USD a real provider may cost per UTC day."
    )
    max_sign_in_attempts: int = Field(
        default=5, ge=1, description="Wrong passwords in a row before the account waits."
    )
    sign_in_lockout_s: int = Field(default=300, ge=1, description="How long it then waits.")

    @field_validator("database_url", "chroma_host", "llm_base_url", "oidc_provider", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("media_allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip().lower() for host in value.split(",") if host.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one, or the SQLite file under data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'studio.db').as_posix()}"

    @property
    def resolved_chroma_path(self) -> Path:
        """The directory of the embedded Chroma store."""
        return self.chroma_path or self.data_dir / "chroma"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings in force (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()
