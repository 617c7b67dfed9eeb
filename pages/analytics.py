"""Analytics: KPIs against the previous period, charts split by version, knowledge gaps,
session drill-down and export over every logged session."""

import streamlit as st

from studio.core.errors import StudioError
from studio.ui import analytics_filters, analytics_view
from studio.ui.navigation import run_inside_studio

run_inside_studio()

st.title("Analytics")
try:
    options, stamp = analytics_filters.load_options()
except StudioError as error:
    st.error(str(error))
    st.stop()
if options.first_day is None:
    analytics_view.no_data_yet()
    st.stop()

filters = analytics_filters.filter_bar(options)
try:
    dashboard = analytics_filters.dashboard(filters, stamp)
except StudioError as error:
    st.error(str(error))
    st.stop()

if dashboard.empty:
    st.info(
        "Nothing matches these filters: widen the date range, pick other assistants or versions, "
        "or switch demo traffic back on."
    )
    st.stop()

analytics_view.kpi_tiles(dashboard)
overview, talk, knowledge, drill = st.tabs(
    ["Overview", "What customers ask", "Knowledge", "Sessions & export"]
)
with overview:
    analytics_view.overview(dashboard)
with talk:
    analytics_view.conversations(dashboard)
with knowledge:
    analytics_view.knowledge(dashboard)
with drill:
    analytics_view.drill_down(dashboard.filters)
    analytics_view.export(dashboard.filters)
