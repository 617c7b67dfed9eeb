"""Test suites: edit or generate cases, run them on one or two variants, read the matrix."""

import streamlit as st

from studio.ui.forms import selected_assistant
from studio.ui.navigation import run_inside_studio
from studio.ui.sidebar import status_line
from studio.ui.suite_editor import case_table, gate_panel, generate_panel, suite_picker, yaml_panel
from studio.ui.suite_results import results_view, run_form
from studio.ui.untrusted import safe

run_inside_studio()

detail = selected_assistant()

st.title("Test suites")
st.caption(safe(f"**{detail.name}** · {status_line(detail)}"))

suite = suite_picker(detail)
run_tab, cases_tab, gate_tab, file_tab = st.tabs(["Run", "Cases", "Publish gate", "YAML"])

with run_tab:
    if suite is None:
        st.info("Create a suite in the Cases tab (or generate one from the configuration).")
    elif not suite.cases:
        st.info("This suite has no cases yet: add or generate some in the Cases tab.")
    else:
        run_form(detail, suite)
        st.subheader("Results", divider="gray")
        results_view(suite)

with cases_tab:
    with st.expander("Generate cases from the configuration", icon=":material/auto_awesome:"):
        generate_panel(detail, suite)
    case_table(detail, suite)

with gate_tab:
    st.caption(
        "Publishing on Prompt & versions stays disabled until the chosen suite's latest run on "
        "that version meets these rules."
    )
    gate_panel(detail)

with file_tab:
    yaml_panel(detail, suite)
