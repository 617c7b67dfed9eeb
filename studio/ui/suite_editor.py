"""Widgets of the Suites page that edit suites: picker, case table, generated cases, YAML, gate."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from studio.compare import gate, generation, suites
from studio.compare.assertions import KINDS
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.design.assistants import AssistantDetail
from studio.ui import state
from studio.ui.assistant_admin import show_error
from studio.ui.resources import get_engine, get_knowledge_store
from studio.ui.untrusted import safe

NEW = 0  # selectbox value for "a new suite"
CHECKS_HELP = (
    "A YAML list of checks, e.g. [{kind: contains, text: refund}, {kind: calls_tool, tool: "
    "get_order_status}]. Kinds: " + ", ".join(KINDS)
)


def _pending_key(assistant_id: int) -> str:
    return f"suite_pick_next_{assistant_id}"


def _rows_key(assistant_id: int, suite_id: int) -> str:
    return f"suite_rows_{assistant_id}_{suite_id}"


def suite_picker(detail: AssistantDetail) -> suites.SuiteDetail | None:
    """Pick one of the assistant's suites (or "New suite"); the chosen suite with its cases."""
    with session_scope(get_engine()) as session:
        items = suites.list_suites(session=session, assistant_id=detail.id)
    names = {s.id: f"{s.name} ({s.case_count} cases)" for s in items}
    options = [*names, NEW]
    pending = st.session_state.pop(_pending_key(detail.id), None)
    if pending is not None:  # chosen by a save, import or delete on the previous run
        st.session_state[f"suite_pick_{detail.id}"] = pending if pending in options else NEW
    chosen = st.selectbox(
        "Suite",
        options,
        format_func=lambda i: safe(names[i]) if i in names else "➕ New suite",
        key=f"suite_pick_{detail.id}",
    )
    if chosen == NEW:
        return None
    with session_scope(get_engine()) as session:
        return suites.get_suite(session=session, suite_id=chosen)


def _rows(detail: AssistantDetail, suite: suites.SuiteDetail | None) -> list[dict[str, Any]]:
    key = _rows_key(detail.id, suite.id if suite else NEW)
    if key not in st.session_state:
        st.session_state[key] = suites.rows_from_cases(suite.cases if suite else [])
    rows: list[dict[str, Any]] = st.session_state[key]
    return rows


def case_table(detail: AssistantDetail, suite: suites.SuiteDetail | None) -> None:
    """The suite's turns as an editable table, with its name, and Save / Delete."""
    rows = _rows(detail, suite)
    origins = {c.name: c.origin for c in suite.cases} if suite else {}
    origins |= st.session_state.get(f"suite_origins_{detail.id}", {})
    with st.form(f"suite_form_{detail.id}_{suite.id if suite else NEW}"):
        name = st.text_input("Suite name", value=suite.name if suite else "", max_chars=120)
        description = st.text_input(
            "Description", value=suite.description if suite else "", max_chars=500
        )
        st.caption(
            "One row per customer message. Rows with the same case name form one conversation, "
            "in order."
        )
        edited = st.data_editor(
            pd.DataFrame(rows, columns=list(suites.ROW_COLUMNS)),
            num_rows="dynamic",
            width="stretch",
            hide_index=True,
            column_config={
                "case": st.column_config.TextColumn("Case", required=True, max_chars=200),
                "turn": st.column_config.NumberColumn("Turn", disabled=True),
                "message": st.column_config.TextColumn("Customer message", max_chars=4000),
                "checks": st.column_config.TextColumn("Checks (YAML)", help=CHECKS_HELP),
            },
            key=f"suite_editor_{detail.id}_{suite.id if suite else NEW}",
        )
        saved = st.form_submit_button("Save suite", type="primary")
    if saved:
        records = edited.astype(object).where(edited.notna(), None).to_dict("records")
        try:
            cases = suites.cases_from_rows(records, origins=origins)
            with session_scope(get_engine()) as session:
                result = suites.save_suite(
                    session=session,
                    assistant_id=detail.id,
                    name=name,
                    description=description,
                    cases=cases,
                    config=detail.draft,
                    suite_id=suite.id if suite else None,
                )
        except StudioError as error:
            show_error(error)
            return
        st.session_state.pop(_rows_key(detail.id, result.id), None)
        st.session_state.pop(_rows_key(detail.id, NEW), None)
        st.session_state[_pending_key(detail.id)] = result.id
        state.flash(f'Saved suite "{result.name}" ({result.case_count} cases).')
        st.rerun()
    if suite is not None and st.button("Delete suite", key=f"suite_delete_{suite.id}"):
        with session_scope(get_engine()) as session:
            suites.delete_suite(session=session, suite_id=suite.id)
        st.session_state[_pending_key(detail.id)] = NEW
        state.flash("Suite deleted.")
        st.rerun()


def generate_panel(detail: AssistantDetail, suite: suites.SuiteDetail | None) -> None:
    """Generate cases from the configuration, review them, add the kept ones to the table."""
    st.caption(
        "Cases that follow from the design: forbidden topics must be refused, forbidden phrases "
        "never said, each tool called, escalation triggers handed over, knowledge-base headings "
        "answered with a citation, user journeys played as conversations. Review, then add."
    )
    review_key = f"suite_generated_{detail.id}"
    if st.button("Generate cases from the configuration", key=f"suite_generate_{detail.id}"):
        try:
            store = get_knowledge_store()
            with session_scope(get_engine()) as session:
                cases = generation.generate_cases(
                    config=detail.draft, session=session, store=store, assistant_id=detail.id
                )
        except StudioError as error:
            show_error(error)
            return
        st.session_state[review_key] = [c.model_dump(mode="json") for c in cases]
    generated = st.session_state.get(review_key)
    if not generated:
        return
    table = pd.DataFrame(
        [
            {
                "keep": True,
                "case": c["name"],
                "from": c["origin"].split(":")[-1].replace("_", " "),
                "first message": c["turns"][0]["message"],
                "turns": len(c["turns"]),
            }
            for c in generated
        ]
    )
    reviewed = st.data_editor(
        table,
        hide_index=True,
        width="stretch",
        disabled=["case", "from", "first message", "turns"],
        column_config={"keep": st.column_config.CheckboxColumn("Keep")},
        key=f"suite_review_{detail.id}",
    )
    kept = [c for c, keep in zip(generated, reviewed["keep"], strict=True) if keep]
    if st.button(f"Add {len(kept)} case(s) to the table", disabled=not kept):
        specs = [suites.CaseSpec.model_validate(c) for c in kept]
        rows = _rows(detail, suite)
        rows.extend(suites.rows_from_cases(specs))
        origins = st.session_state.setdefault(f"suite_origins_{detail.id}", {})
        origins.update({c.name: c.origin for c in specs})
        st.session_state.pop(review_key, None)
        st.session_state.pop(f"suite_editor_{detail.id}_{suite.id if suite else NEW}", None)
        st.rerun()


def yaml_panel(detail: AssistantDetail, suite: suites.SuiteDetail | None) -> None:
    """Download the suite as YAML; import a YAML file as a new suite."""
    if suite is not None:
        st.download_button(
            "Download YAML",
            suites.suite_yaml(suite),
            file_name=f"suite-{suite.id}.yaml",
            mime="application/x-yaml",
        )
    upload = st.file_uploader("Import a suite (YAML)", type=["yaml", "yml"])
    if upload is not None and st.button("Import as a new suite"):
        try:
            parsed = suites.parse_suite_yaml(upload.getvalue())
            with session_scope(get_engine()) as session:
                saved = suites.save_suite(
                    session=session,
                    assistant_id=detail.id,
                    name=parsed.name,
                    description=parsed.description,
                    cases=parsed.cases,
                    config=detail.draft,
                )
        except StudioError as error:
            show_error(error)
            return
        st.session_state[_pending_key(detail.id)] = saved.id
        state.flash(f'Imported suite "{saved.name}".')
        st.rerun()


def gate_panel(detail: AssistantDetail) -> None:
    """The assistant's publish gate: which suite, the pass rate, no regressions."""
    with session_scope(get_engine()) as session:
        current = gate.get_gate(session=session, assistant_id=detail.id)
        items = suites.list_suites(session=session, assistant_id=detail.id)
    if not items:
        st.info("Save a suite first; then it can guard publishing.")
        return
    names = {s.id: s.name for s in items}
    with st.form(f"gate_form_{detail.id}"):
        enabled = st.checkbox("Require the suite before publishing", value=current.enabled)
        ids = list(names)
        suite_id = st.selectbox(
            "Suite",
            ids,
            index=ids.index(current.suite_id) if current.suite_id in names else 0,
            format_func=lambda i: safe(names[i]),
        )
        rate = st.slider(
            "Minimum pass rate (%)",
            0,
            100,
            int(current.min_pass_rate),
            help="The share of the suite's cases that must pass before the version may be "
            "published. 100: every case.",
        )
        no_regressions = st.checkbox(
            "No case that passed on the published version may fail", value=current.no_regressions
        )
        submitted = st.form_submit_button("Save gate")
    if submitted:
        try:
            with session_scope(get_engine()) as session:
                gate.save_gate(
                    session=session,
                    assistant_id=detail.id,
                    settings=gate.GateSettings(
                        suite_id=suite_id,
                        enabled=enabled,
                        min_pass_rate=rate,
                        no_regressions=no_regressions,
                        override_reason=current.override_reason,
                    ),
                )
        except StudioError as error:
            show_error(error)
            return
        state.flash("Publish gate saved.")
        st.rerun()
