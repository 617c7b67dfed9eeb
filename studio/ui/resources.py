"""Long-lived objects, built once per settings with `st.cache_resource`."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from studio.config import get_settings
from studio.startup import prepare_database


@st.cache_resource(show_spinner="Preparing the studio…")
def _engine_for(url: str, seed_demo: bool) -> Engine:
    return prepare_database(url, seed_demo=seed_demo)


def get_engine() -> Engine:
    """The database engine for the settings in force (schema created, demo data seeded)."""
    settings = get_settings()
    return _engine_for(settings.resolved_database_url, settings.seed_demo)
