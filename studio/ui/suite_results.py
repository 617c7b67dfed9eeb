"""Widgets of the Suites page that run suites and read results: matrix, statistics, drill-down."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from studio.compare import background, junit, paired, runs, variants
from studio.compare.runs import CaseOutcome, RunDetail, RunSummary
from studio.compare.suites import SuiteDetail
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.design import versions
from studio.design.assistants import AssistantDetail
from studio.ui.assistant_admin import show_error
from studio.ui.chat_view import provider_picker
from studio.ui.resources import get_engine, get_knowledge_store
from studio.ui.untrusted import markdown, safe

DRAFT, NONE = 0, -1
OUTCOME_LABELS = {
    "passed": "✅ passed",
    "failed": "❌ failed",
    "error": "⚠️ error",
    "not_run": "⏸️ not run",
}
CHECK_ICONS = {True: "✅", False: "❌", None: "⏭️"}


def _job_key(suite_id: int) -> str:
    return f"suite_job_{suite_id}"


def _group_key(suite_id: int) -> str:
    return f"suite_group_{suite_id}"


def run_form(detail: AssistantDetail, suite: SuiteDetail) -> None:
    """Choose one or two variants and a provider, then run (in the background)."""
    if st.session_state.get(_job_key(suite.id)):
        _progress(suite.id)
        return
    with session_scope(get_engine()) as session:
        numbers = [
            v.number for v in versions.list_versions(session=session, assistant_id=detail.id)
        ]

    def label(n: int) -> str:
        if n == NONE:
            return "— none —"
        if n == DRAFT:
            return "Draft"
        return f"Version {n}" + (" (published)" if n == detail.published_version else "")

    first, second = st.columns(2)
    a = first.selectbox("Variant A", [DRAFT, *numbers], format_func=label, key="suite_var_a")
    b_default = [NONE, DRAFT, *numbers]
    b = second.selectbox(
        "Variant B (optional)",
        b_default,
        index=b_default.index(detail.published_version) if detail.published_version else 0,
        format_func=label,
        key="suite_var_b",
    )
    if a == b:
        st.info("Both sides are the same configuration: the comparison will show no difference.")
    choice = provider_picker(detail.draft.model.model)
    concurrency = st.slider(
        "Cases at a time",
        1,
        runs.MAX_CONCURRENCY,
        4,
        key="suite_workers",
        help="How many cases run at once. More finishes sooner; with a real model it also "
        "sends more requests per minute (the per-minute limit applies).",
    )
    if choice is None:
        return
    if not st.button(f"Run {len(suite.cases)} case(s)", type="primary", key="suite_run"):
        return
    try:
        store = get_knowledge_store()
        with session_scope(get_engine()) as session:
            chosen = [
                variants.resolve_variant(
                    session=session,
                    spec=variants.VariantSpec(assistant_id=detail.id, version=n or None),
                )
                for n in (a, b)
                if n != NONE
            ]
    except StudioError as error:
        show_error(error)
        return
    if not suite.cases:
        st.error("This suite has no cases yet: add or generate some first.")
        return
    engine, backend, model = get_engine(), choice.backend, choice.model
    st.session_state[_job_key(suite.id)] = background.start_job(
        lambda on_progress, should_stop: runs.run_suite(
            engine=engine,
            backend=backend,
            suite=suite,
            variants=chosen,
            store=store,
            concurrency=concurrency,
            model=model,
            on_progress=on_progress,
            should_stop=should_stop,
        )
    )
    st.rerun()


@st.fragment(run_every=0.5)
def _progress(suite_id: int) -> None:
    job = background.get_job(st.session_state[_job_key(suite_id)])
    if job is None:
        st.session_state.pop(_job_key(suite_id), None)
        st.warning("The run was lost (the studio restarted). Start it again.")
        return
    if not job.finished:
        st.progress(job.fraction, text=f"Running… {job.done} of {job.total or '…'} case runs")
        if job.stop.is_set():
            st.caption("Cancelling: finishing the cases already running…")
        elif st.button("Cancel", key=f"suite_cancel_{suite_id}"):
            background.cancel_job(job.id)
        return
    st.session_state.pop(_job_key(suite_id), None)
    if job.error:
        st.error(job.error)
        return
    st.session_state[_group_key(suite_id)] = job.group_key
    st.rerun(scope="app")


def _groups(items: list[RunSummary]) -> dict[str, list[RunSummary]]:
    grouped: dict[str, list[RunSummary]] = {}
    for item in items:
        grouped.setdefault(item.group_key, []).append(item)
    return grouped


def _rate(run: RunSummary) -> str:
    return "—" if run.pass_rate is None else f"{run.pass_rate:.0f}%"


def results_view(suite: SuiteDetail) -> None:
    """The chosen run (or pair of runs): pass rates, statistics, matrix, drill-down, downloads."""
    with session_scope(get_engine()) as session:
        grouped = _groups(runs.list_runs(session=session, suite_id=suite.id))
    if not grouped:
        st.info("No runs yet. Run the suite above.")
        return
    keys = list(grouped)
    wanted = st.session_state.get(_group_key(suite.id))
    key = st.selectbox(
        "Run",
        keys,
        index=keys.index(wanted) if wanted in keys else 0,
        format_func=lambda k: safe(
            f"{grouped[k][0].started_at:%Y-%m-%d %H:%M} · "
            + " vs ".join(
                f"{r.variant_label} ({_rate(r)})" for r in sorted(grouped[k], key=lambda r: r.side)
            )
            + (" · cancelled" if grouped[k][0].status == "cancelled" else "")
        ),
        key=f"suite_group_pick_{suite.id}",
    )
    with session_scope(get_engine()) as session:
        detail = runs.group_runs(session=session, group_key=key)
    if detail[0].status == "cancelled":
        st.warning("This run was cancelled: cases marked ⏸️ did not run.")
    columns = st.columns(len(detail))
    for column, run in zip(columns, detail, strict=True):
        column.metric(
            safe(f"{'AB'[run.side]}: {run.variant_label}"),
            _rate(run),
            help=f"{run.passed} passed, {run.failed} failed, {run.errored} error(s), "
            f"{run.not_run} not run · {run.backend} · {run.model}",
        )
    if len(detail) == 2:
        st.caption(paired.compare_runs(detail[0], detail[1]).message)
    _matrix(detail)
    _drill_down(detail)
    st.download_button(
        "Download CSV", junit.runs_csv(detail), file_name=f"suite-run-{key}.csv", mime="text/csv"
    )
    st.download_button(
        "Download JUnit XML",
        junit.runs_junit(detail, suite_name=suite.name),
        file_name=f"suite-run-{key}.xml",
        mime="application/xml",
    )


def _matrix(detail: list[RunDetail]) -> None:
    only_diff = len(detail) == 2 and st.toggle("Only differences", key="suite_only_diff")
    by_case: dict[str, dict[int, CaseOutcome]] = {}
    for run in detail:
        for o in run.results:
            by_case.setdefault(o.case_name, {})[run.side] = o
    rows = []
    for name, sides in by_case.items():
        outcomes = {s: case.outcome for s, case in sides.items()}
        if only_diff and len(set(outcomes.values())) == 1:
            continue
        row: dict[str, str] = {"Case": name}
        for run in detail:
            found = sides.get(run.side)
            side = "AB"[run.side]
            row[side] = OUTCOME_LABELS[found.outcome] if found else "—"
            row[f"{side}: why"] = found.reason if found else ""
        rows.append(row)
    if not rows:
        st.success("Both variants have the same outcome on every case.")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _drill_down(detail: list[RunDetail]) -> None:
    names = [o.case_name for o in detail[0].results]
    name = st.selectbox("Look at one case", names, format_func=safe, key="suite_case_pick")
    columns = st.columns(len(detail))
    for column, run in zip(columns, detail, strict=True):
        outcome = next((o for o in run.results if o.case_name == name), None)
        with column.container(border=True):
            st.markdown(safe(f"**{'AB'[run.side]}: {run.variant_label}**"))
            if outcome is None:
                st.caption("This case was not part of this run.")
                continue
            st.markdown(f"{OUTCOME_LABELS[outcome.outcome]} — {safe(outcome.reason)}")
            for number, step in enumerate(outcome.transcript, start=1):
                with st.chat_message("user"):
                    markdown(step.message)
                with st.chat_message("assistant"):
                    markdown(step.reply or "*(no reply)*")
                    if step.tool_calls:
                        st.caption(safe("Tools: " + json.dumps(step.tool_calls)[:500]))
                    if step.citations:
                        st.caption(safe("Cites: " + "; ".join(step.citations)))
                checks = next((c.checks for c in outcome.checks if c.turn == number), [])
                for check in checks:
                    graded = " *(model-graded)*" if check.model_graded else ""
                    st.markdown(
                        f"{CHECK_ICONS[check.passed]} {safe(check.label)}{graded} — "
                        f"{safe(check.reason)}"
                    )
