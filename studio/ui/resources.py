"""Long-lived objects, built once per settings with `st.cache_resource`."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from studio.access import keys
from studio.chat.presets import api_key_status
from studio.chat.protocol import ChatBackend
from studio.chat.providers import make_backend
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.knowledge.store import KnowledgeStore
from studio.startup import prepare_database, prepare_knowledge


@st.cache_resource(show_spinner="Preparing the studio…")
def _engine_for(url: str, seed_demo: bool) -> Engine:
    return prepare_database(url, seed_demo=seed_demo)


def get_engine() -> Engine:
    """The database engine for the settings in force (schema created, demo data seeded)."""
    settings = get_settings()
    return _engine_for(settings.resolved_database_url, settings.seed_demo)


@st.cache_resource(show_spinner="Preparing the knowledge bases…")
def _store_for(url: str, chroma: str, seed_demo: bool) -> KnowledgeStore:
    settings = get_settings()
    return prepare_knowledge(_engine_for(url, seed_demo), settings)


def get_knowledge_store() -> KnowledgeStore:
    """The Chroma-backed knowledge store for the settings in force (reconciled, demo indexed).
    Raises KnowledgeError if the vector store cannot be opened."""
    settings = get_settings()
    chroma = (
        f"{settings.chroma_host}:{settings.chroma_port}"
        if settings.chroma_host
        else str(settings.resolved_chroma_path)
    )
    return _store_for(settings.resolved_database_url, chroma, settings.seed_demo)


@st.cache_resource(show_spinner=False)
def _backend_for(
    preset: str, base_url: str | None, key_status: str, retries: int, timeout: float
) -> ChatBackend:
    # key_status is part of the cache key so setting a key takes effect without a restart;
    # the key itself is never a cache key (it would sit in Streamlit's cache hash).
    api_key = None
    if key_status.startswith("stored"):  # none in the environment: the one an admin stored
        with session_scope(get_engine()) as session:
            api_key = keys.read_key(session=session)
    return make_backend(preset=preset, base_url=base_url, max_retries=retries,
                        request_timeout_s=timeout, api_key=api_key)  # fmt: skip


def _key_status() -> str:
    status = api_key_status()
    if status != "not set":
        return status
    with session_scope(get_engine()) as session:
        stored = keys.stored_key_info(session=session)
    # The masked hint and who stored it tell a new key from the old one (cache key).
    return f"stored in the studio {stored.masked} {stored.updated_by}" if stored else status


def get_chat_backend(preset: str, base_url: str | None = None) -> ChatBackend:
    """The chat backend for a provider preset (the simulator needs nothing). Raises ProviderError
    if the URL is not usable."""
    settings = get_settings()
    return _backend_for(preset, base_url, _key_status(), settings.llm_max_retries,
                        settings.llm_timeout_s)  # fmt: skip
