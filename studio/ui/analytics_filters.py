"""The Analytics filter bar (date range, assistants, versions, sources, demo on/off, split) and
the cached dashboard for a filter (invalidated when a turn or feedback is added)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import streamlit as st

from studio.analytics import rollups
from studio.analytics.dashboard import Dashboard, build_dashboard, version_label
from studio.analytics.filters import DRAFT, FilterOptions, Filters, data_stamp, filter_options
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.models import TurnSource
from studio.ui.resources import get_engine

DEFAULT_DAYS = 30
SOURCE_LABELS = {
    TurnSource.PREVIEW: "Preview",
    TurnSource.COMPARE: "Compare",
    TurnSource.SUITE: "Test suites",
    TurnSource.IMPORT: "Imported",
    TurnSource.DEMO: "Demo traffic",
}


def load_options() -> tuple[FilterOptions, tuple[int, int]]:
    """What the filters can offer, and the data stamp the cache is keyed on (the rollups are
    brought up to date first, in a unit of work of their own)."""
    rollups.refresh_now(get_engine())
    with session_scope(get_engine()) as session:
        return filter_options(session=session), data_stamp(session=session)


def filter_bar(options: FilterOptions) -> Filters:
    """Draw the filters; return what they select."""
    last = options.last_day or datetime.now(UTC).date()
    first = options.first_day or last
    default_start = max(first, last - timedelta(days=DEFAULT_DAYS - 1))
    dates_col, who_col, versions_col = st.columns([1.1, 2, 1.2])
    picked = dates_col.date_input(
        "Date range (UTC)",
        value=(default_start, last),
        max_value=max(last, datetime.now(UTC).date()),
        key="an_dates",
        help="KPIs compare this range with the same number of days just before it.",
    )
    start, end = _range(picked, default_start, last)
    names = options.assistants
    assistants = who_col.multiselect(
        "Assistants",
        options=list(names),
        format_func=lambda i: names.get(i, f"#{i}"),
        placeholder="All assistants",
        key="an_assistants",
    )
    numbers = sorted({n for i, vs in options.versions.items() if not assistants or i in assistants
                      for n in vs})  # fmt: skip
    versions = versions_col.multiselect(
        "Versions",
        options=[*numbers, DRAFT],
        format_func=version_label,
        placeholder="All versions",
        key="an_versions",
    )
    sources_col, demo_col, split_col, gap_col = st.columns([2, 1, 1, 1.2])
    sources = sources_col.multiselect(
        "Sources",
        options=[s for s in TurnSource if s is not TurnSource.DEMO],
        format_func=lambda s: SOURCE_LABELS[s],
        placeholder="All sources",
        key="an_sources",
    )
    with_demo = demo_col.toggle(
        "Demo traffic", value=True, key="an_demo", help="Generated sessions; switch off to hide."
    )
    split = split_col.toggle("Split by version", value=True, key="an_split")
    threshold = gap_col.slider(
        "Knowledge gap below score", 0.0, 1.0, 0.35, 0.05, key="an_gap",
        help="A question is a knowledge gap when its best retrieval score is below this.",
    )  # fmt: skip
    chosen: tuple[TurnSource, ...] = tuple(sources) or tuple(
        s for s in TurnSource if s is not TurnSource.DEMO
    )
    if with_demo:
        chosen = (*chosen, TurnSource.DEMO)
    return Filters(
        start=start,
        end=end,
        assistant_ids=tuple(int(a) for a in assistants),
        versions=tuple(int(v) for v in versions),
        sources=tuple(dict.fromkeys(chosen)),
        split_by_version=split,
        gap_threshold=float(threshold),
    )


def _range(picked: object, start: date, end: date) -> tuple[date, date]:
    # While a person is picking, the widget holds one date: use it as a one-day range.
    if isinstance(picked, tuple | list):
        if len(picked) == 2:
            return picked[0], picked[1]
        if len(picked) == 1:
            return picked[0], picked[0]
        return start, end
    if isinstance(picked, date):
        return picked, picked
    return start, end


@st.cache_data(max_entries=32, show_spinner="Computing the dashboard…")
def _cached(url: str, filters_json: str, stamp: tuple[int, int]) -> Dashboard:
    # `stamp` is only a cache key: it changes with every change to turns, sessions or feedback.
    # load_options refreshed the rollups; a change since then changes the next stamp.
    with session_scope(get_engine()) as session:
        filters = Filters.model_validate_json(filters_json)
        return build_dashboard(session=session, filters=filters, refresh=False)


def dashboard(filters: Filters, stamp: tuple[int, int]) -> Dashboard:
    """The dashboard for `filters`, computed once per filter and data stamp. Raises
    InvalidInput if the filters are inconsistent."""
    filters.check()
    return _cached(get_settings().resolved_database_url, filters.model_dump_json(), stamp)
