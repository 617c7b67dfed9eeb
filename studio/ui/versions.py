"""Widgets of the Prompt & versions page: compiled prompt, history, diff, export downloads."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st
from sqlmodel import Session

from studio.access import editing
from studio.compare import gate
from studio.compare.runs import RunSummary
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.design import exports, versions
from studio.design.assistants import AssistantDetail, VersionSummary
from studio.design.checks import check_config
from studio.design.diffs import ConfigDiff
from studio.design.prompting import compile_prompt
from studio.ui import state
from studio.ui.assistant_admin import show_error
from studio.ui.permissions import EDIT, lock
from studio.ui.resources import get_engine
from studio.ui.untrusted import safe

DRAFT = 0  # selectbox value standing for the draft (versions start at 1)
SEVERITY_ICONS = {"error": "🛑", "warning": "⚠️", "info": "💡"}


def load_versions(assistant_id: int) -> list[VersionSummary]:
    """The assistant's versions, newest first."""
    with session_scope(get_engine()) as session:
        return versions.list_versions(session=session, assistant_id=assistant_id)


def write(action: Callable[[Session], Any], *, success: str) -> bool:
    """Run one write in its own unit of work; on success flash and rerun, else show the error."""
    try:
        with session_scope(get_engine()) as session:
            action(session)
    except StudioError as error:
        show_error(error)
        return False
    state.flash(success)
    st.rerun()
    return True  # pragma: no cover  (st.rerun ends the run)


def _label(number: int) -> str:
    return "Draft" if number == DRAFT else f"Version {number}"


def version_options(history: list[VersionSummary]) -> tuple[list[int], Callable[[int], str]]:
    """Selectbox options (draft first, then newest version first) and their labels."""
    notes = {v.number: v for v in history}

    def label(number: int) -> str:
        if number == DRAFT:
            return "Draft (current edits)"
        v = notes[number]
        published = " · published" if v.is_published else ""
        return f"Version {number}{published}" + (f" — {v.note[:60]}" if v.note else "")

    return [DRAFT, *notes], label


def prompt_view(detail: AssistantDetail) -> None:
    """The draft's compiled prompt: figures, configuration check, sections with their sources."""
    compiled = compile_prompt(detail.draft)
    check = check_config(detail.draft)
    tokens, sections, tools, score = st.columns(4)
    tokens.metric("Tokens", f"{compiled.token_count:,}", help="System prompt plus tools payload.")
    sections.metric("Sections", len(compiled.sections))
    tools.metric("Enabled tools", len(compiled.tools))
    score.metric("Completeness", f"{check.score}/100", help="From the configuration check.")
    if check.items:
        with st.expander(f"Configuration check: {len(check.items)} note(s)", expanded=True):
            for item in check.items:
                st.markdown(
                    f"{SEVERITY_ICONS[item.severity]} `{item.field}` — {safe(item.message)}"
                )
    else:
        st.success("Configuration check: nothing to fix.", icon=":material/task_alt:")
    by_section, whole, payload = st.tabs(["By section", "Whole prompt", "Tools payload"])
    with by_section:
        for part in compiled.sections:
            with st.container(border=True):
                st.markdown(f"**{part.title}**")
                st.text(part.text)
                st.caption("From: " + ", ".join(f"`{s}`" for s in part.sources))
    with whole:
        st.code(compiled.text, language="markdown", wrap_lines=True)
    with payload:
        if compiled.tools:
            st.json(compiled.tools, expanded=2)
        else:
            st.caption("No enabled tools: the model is called without a tools payload.")


def save_form(detail: AssistantDetail) -> None:
    """Save the draft as the next version, with a note."""
    latest = detail.latest_version
    if detail.has_unsaved_changes:
        st.caption(
            "The draft has changes not yet saved as a version."
            if latest
            else "Nothing saved yet: save the draft as version 1."
        )
    else:
        st.caption(f"The draft is identical to version {latest}; edit it to save a new version.")
    with st.form("save_version", clear_on_submit=True, border=True):
        note = st.text_input(
            "Note", max_chars=500, placeholder="What changed and why, e.g. 'Warmer greetings'"
        )
        clicked = st.form_submit_button(
            "Save version", type="primary", **lock(EDIT, busy=not detail.has_unsaved_changes)
        )
    if clicked:
        number = (latest or 0) + 1
        write(
            lambda s: versions.save_version(session=s, assistant_id=detail.id, note=note),
            success=f"Saved version {number} of {detail.name}.",
        )


def history_table(history: list[VersionSummary]) -> None:
    """The saved versions, newest first."""
    frame = pd.DataFrame(
        [
            {
                "Version": v.number,
                "Saved": v.created_at,
                "Note": v.note,
                "Published": v.is_published,
                "Fingerprint": v.config_hash[:10],
            }
            for v in history
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "Saved": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Published": st.column_config.CheckboxColumn(width="small"),
        },
    )


def version_actions(detail: AssistantDetail, history: list[VersionSummary]) -> None:
    """Restore a version into the draft (confirmed), publish it, or withdraw publication."""
    numbers = [v.number for v in history]
    chosen = st.selectbox("Version", numbers, format_func=_label, key=f"act_{detail.id}")
    # The draft revision drawn on the previous run is the one the person decided on: a restore
    # clicked after someone else saved the draft is refused once, with who and when.
    seen_key = f"restore_seen_{detail.id}"
    with session_scope(get_engine()) as session:
        current = editing.draft_stamp(session=session, assistant_id=detail.id).revision
    seen = st.session_state.get(seen_key, current)
    st.session_state[seen_key] = current
    restore_col, publish_col = st.columns(2)
    with restore_col.container(border=True):
        st.caption("Replaces the draft with this version. The version itself never changes.")
        sure = st.checkbox(
            "Yes, replace the current draft",
            key=f"restore_ok_{detail.id}",
            help="Unsaved draft edits are lost unless you save them as a version first.",
        )
        if st.button("Restore into draft", key=f"restore_{detail.id}", **lock(EDIT, busy=not sure)):
            write(
                lambda s: versions.restore_version(
                    session=s, assistant_id=detail.id, number=chosen, expected_revision=seen
                ),
                success=f"Restored version {chosen} into the draft.",
            )
    with publish_col.container(border=True):
        if detail.published_version == chosen:
            st.caption(f"Version {chosen} is the published version.")
            if st.button("Unpublish", key=f"unpublish_{detail.id}", **lock(EDIT)):
                write(
                    lambda s: versions.unpublish(session=s, assistant_id=detail.id),
                    success="Publication withdrawn.",
                )
        else:
            st.caption("Mark this version as the one in production.")
            allowed = publish_gate_view(detail, chosen)
            if st.button(
                f"Publish version {chosen}",
                key=f"publish_{detail.id}",
                **lock(EDIT, busy=not allowed),
            ):
                write(
                    lambda s: versions.publish_version(
                        session=s, assistant_id=detail.id, number=chosen
                    ),
                    success=f"Version {chosen} is now published.",
                )


def _run_line(label: str, run: RunSummary | None) -> str:
    if run is None:
        return f"{label}: no suite run yet"
    rate = "—" if run.pass_rate is None else f"{run.pass_rate:.0f}%"
    return (
        f"{label}: {rate} ({run.passed}/{run.total_cases} passed, {run.started_at:%Y-%m-%d %H:%M})"
    )


def publish_gate_view(detail: AssistantDetail, number: int) -> bool:
    """The version's latest suite run next to the published version's, and the gate's verdict;
    True when publishing is allowed."""
    try:
        with session_scope(get_engine()) as session:
            check = gate.check_publish(session=session, assistant_id=detail.id, number=number)
    except StudioError as error:
        show_error(error)
        return False
    if check.suite_name is None:
        return True
    lines = [_run_line(f"Version {number}", check.candidate)]
    if check.published_version is not None:
        lines.append(_run_line(f"Published version {check.published_version}", check.published))
    st.caption(safe(f"Suite **{check.suite_name}** — " + " · ".join(lines)))
    if not check.settings.enabled:
        return True
    if check.verdict.passed:
        st.success("The publish gate passes.", icon=":material/verified:")
        return True
    st.warning(
        safe("Publishing is blocked by the gate: " + "; ".join(check.verdict.reasons) + "."),
        icon=":material/block:",
    )
    return False


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def compare_view(detail: AssistantDetail, history: list[VersionSummary]) -> None:
    """Pick two states (draft or versions) and show changed fields and the prompt diff."""
    options, label = version_options(history)
    left, right = st.columns(2)
    default_old = 1 if len(options) > 1 else 0
    old = left.selectbox("From", options, index=default_old, format_func=label, key="cmp_old")
    new = right.selectbox("To", options, index=0, format_func=label, key="cmp_new")
    try:
        with session_scope(get_engine()) as session:
            diff: ConfigDiff = versions.compare(
                session=session, assistant_id=detail.id, old=old or None, new=new or None
            )
    except StudioError as error:
        show_error(error)
        return
    if not diff.changes:
        st.info(f"{_label(old)} and {_label(new)} are identical.")
        return
    st.markdown(
        f"**{len(diff.changes)} field change(s)** from {diff.old_label} to {diff.new_label}"
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Field": c.path,
                    "Change": c.kind.value,
                    diff.old_label: _cell(c.before),
                    diff.new_label: _cell(c.after),
                }
                for c in diff.changes
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.markdown("**Compiled prompt**")
    if not diff.prompt_diff:
        st.caption("The compiled prompt is the same (the change does not reach the prompt).")
        return
    st.code(diff.prompt_diff, language="diff", wrap_lines=True)
    with st.expander("Both prompts side by side"):
        with session_scope(get_engine()) as session:
            texts = [
                compile_prompt(
                    versions.config_of(session=session, assistant_id=detail.id, number=n or None)
                ).text
                for n in (old, new)
            ]
        for column, title, text in zip(
            st.columns(2), (diff.old_label, diff.new_label), texts, strict=True
        ):
            column.markdown(f"**{title.capitalize()}**")
            column.code(text, language="markdown", wrap_lines=True)


def export_buttons(detail: AssistantDetail, history: list[VersionSummary]) -> None:
    """Download the draft or a version as YAML, JSON or a runnable Python snippet."""
    options, label = version_options(history)
    default = options.index(detail.published_version) if detail.published_version else 0
    chosen = st.selectbox("What to export", options, index=default, format_func=label, key="exp")
    try:
        with session_scope(get_engine()) as session:
            files = [
                exports.export_assistant(
                    session=session, assistant_id=detail.id, version=chosen or None, fmt=fmt
                )
                for fmt in exports.ExportFormat
            ]
    except StudioError as error:
        show_error(error)
        return
    captions = {
        "yaml": "Readable; import it back on the Assistants page.",
        "json": "Same content as JSON, for tools and pipelines.",
        "py": "A script that chats with this assistant via the openai client.",
    }
    for column, file in zip(st.columns(len(files)), files, strict=True):
        with column.container(border=True):
            extension = file.filename.rsplit(".", 1)[-1]
            st.download_button(
                f"Download .{extension}",
                data=file.content,
                file_name=file.filename,
                mime=file.mime,
                key=f"dl_{extension}",
                icon=":material/download:",
            )
            st.caption(captions[extension])
    with st.expander("Preview the Python snippet"):
        st.code(files[-1].content, language="python")
