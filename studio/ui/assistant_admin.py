"""Widgets of the Assistants overview: template cards, create/import, the list, manage actions."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st
from sqlmodel import Session

from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.core.models import AssistantStatus
from studio.design import assistants, exports, lifecycle
from studio.design.assistants import AssistantSummary
from studio.design.templates import Template, list_templates
from studio.knowledge.store import KnowledgeStore
from studio.ui import state
from studio.ui.permissions import DELETE, EDIT, lock
from studio.ui.resources import get_engine, get_knowledge_store
from studio.ui.sidebar import status_line
from studio.ui.untrusted import plain, safe


def show_error(error: StudioError) -> None:
    """The error's message, then one line per field problem."""
    lines = [f"- **{plain(p.field or 'file')}**: {safe(p.message)}" for p in error.problems]
    st.error("\n".join([safe(error.message), "", *lines]) if lines else safe(error.message))


def run_action(action: Callable[[Session], Any], *, success: str) -> Any | None:
    """Run one write in its own unit of work; flash `success` or show the error. None on error."""
    try:
        with session_scope(get_engine()) as session:
            result = action(session)
    except StudioError as error:
        show_error(error)
        return None
    state.flash(success)
    return result


def load_summaries(*, include_archived: bool) -> list[AssistantSummary]:
    """All assistants for the overview (one aggregate query)."""
    with session_scope(get_engine()) as session:
        return assistants.list_assistants(session=session, include_archived=include_archived)


def template_cards(templates: list[Template]) -> None:
    """One bordered card per template: what it is, for which company, with which tools."""
    columns = st.columns(min(len(templates), 3) or 1)
    for index, template in enumerate(templates):
        with columns[index % len(columns)].container(border=True):
            st.markdown(f"#### {template.icon} {template.title}")
            st.caption(f"{template.company_name} · persona {template.config.persona.name}")
            st.write(template.description)
            tools = ", ".join(f"`{t.name}`" for t in template.config.tools) or "none"
            st.caption(f"Tools: {tools}")


def _create(*, name: str, company: str, template: str | None, description: str) -> None:
    created = run_action(
        lambda s: assistants.create_assistant(
            session=s, name=name, company_name=company, template=template, description=description
        ),
        success=f'Created "{" ".join(name.split())}". Shape it on the design pages.',
    )
    if created is not None:
        state.select_assistant(created.id)
        st.rerun()


def template_form() -> None:
    """Template cards, then a form to create an assistant from one; selects it on success."""
    templates = list_templates()
    template_cards(templates)
    labels = {t.key: f"{t.title} — {t.company_name}" for t in templates}
    with st.form("create_from_template", border=True):
        key = st.selectbox("Template", list(labels), format_func=labels.__getitem__)
        name = st.text_input("Assistant name", max_chars=120, placeholder="e.g. Acme — Support")
        company = st.text_input(
            "Company name (optional)",
            max_chars=120,
            help="Leave empty to keep the template's company; you can change it later.",
        )
        if st.form_submit_button("Create from template", type="primary", **lock(EDIT)):
            _create(name=name, company=company, template=key, description="")


def blank_form() -> None:
    """Create an assistant from scratch (name and company required)."""
    with st.form("create_blank", border=True):
        name = st.text_input("Assistant name", max_chars=120, placeholder="e.g. Acme — Billing")
        company = st.text_input("Company name", max_chars=120, placeholder="e.g. Acme Inc.")
        description = st.text_input("Description (optional)", max_chars=500)
        if st.form_submit_button("Create blank assistant", type="primary", **lock(EDIT)):
            _create(name=name, company=company, template=None, description=description)


def import_box() -> None:
    """Upload a YAML/JSON export and create an assistant from it."""
    settings = get_settings()
    upload = st.file_uploader(
        "Import an assistant (YAML or JSON export)",
        type=["yaml", "yml", "json"],
        help=f"Files exported from Assistant Studio, up to {settings.max_import_kb} KB.",
    )
    if upload is None or not st.button("Import", type="primary", **lock(EDIT)):
        return
    content = upload.getvalue()
    imported = run_action(
        lambda s: exports.import_assistant(
            session=s, content=content, filename=upload.name, max_kb=settings.max_import_kb
        ),
        success=f"Imported {upload.name}.",
    )
    if imported is not None:
        state.select_assistant(imported.id)
        st.rerun()


def overview_frame(summaries: list[AssistantSummary]) -> pd.DataFrame:
    """The assistants as a table for `st.dataframe`."""
    return pd.DataFrame(
        [
            {
                "id": s.id,
                "Name": s.name,
                "Company": s.company_name,
                "Status": s.status.value + (" · demo" if s.is_demo else ""),
                "Versions": s.version_count,
                "Published": f"v{s.published_version}" if s.published_version else "—",
                "Unsaved changes": s.has_unsaved_changes,
                "Last edit": s.draft_updated_at,
            }
            for s in summaries
        ],
        columns=[
            "id",
            "Name",
            "Company",
            "Status",
            "Versions",
            "Published",
            "Unsaved changes",
            "Last edit",
        ],
    )


def _on_row_selected(key: str, ids: list[int], selectable: frozenset[int]) -> None:
    # A callback, so only a *new* click selects: a stale table selection must not override a
    # later choice made in the sidebar.
    rows = st.session_state[key]["selection"]["rows"]
    if rows and ids[rows[0]] in selectable:
        state.select_assistant(ids[rows[0]])


def assistants_table(summaries: list[AssistantSummary]) -> None:
    """The list; clicking a row (not archived) selects that assistant everywhere."""
    selected = state.selected_assistant_id()
    frame = overview_frame(summaries)
    frame.insert(1, "Selected", frame["id"] == selected)
    # Keyed by the selection: when it changes (here or in the sidebar) the table starts fresh
    # instead of keeping a highlighted row that is no longer the selected assistant.
    key = f"home_assistants_table_{selected}"
    ids = [s.id for s in summaries]
    selectable = frozenset(s.id for s in summaries if s.status != AssistantStatus.ARCHIVED)
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "id": None,
            "Selected": st.column_config.CheckboxColumn("Current", width="small"),
            "Name": st.column_config.TextColumn(width="medium"),
            "Versions": st.column_config.NumberColumn(width="small"),
            "Published": st.column_config.TextColumn(width="small"),
            "Unsaved changes": st.column_config.CheckboxColumn("Unsaved", width="small"),
            "Last edit": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
        on_select=functools.partial(_on_row_selected, key, ids, selectable),
        selection_mode="single-row",
        key=key,
    )


def rename_form(summary: AssistantSummary) -> None:
    """Change an assistant's name and description."""
    with st.form(f"rename_{summary.id}", border=False):
        name = st.text_input("Name", value=summary.name, max_chars=120)
        description = st.text_area("Description", value=summary.description, max_chars=500)
        if st.form_submit_button("Save name and description", **lock(EDIT)):
            saved = run_action(
                lambda s: lifecycle.rename_assistant(
                    session=s, assistant_id=summary.id, name=name, description=description
                ),
                success="Name and description saved.",
            )
            if saved is not None:
                st.rerun()


def manage_panel(summary: AssistantSummary) -> None:
    """Rename, duplicate, archive/unarchive and delete (with confirmation) one assistant."""
    st.markdown(f"**{plain(summary.name)}** — {status_line(summary)}")
    if summary.description:
        st.caption(plain(summary.description))
    with st.expander("Rename or describe", icon=":material/edit:"):
        rename_form(summary)
    dup_col, archive_col, delete_col = st.columns(3)
    with dup_col.form(f"duplicate_{summary.id}", border=True):
        new_name = st.text_input("Name of the copy", value=f"{summary.name} (copy)"[:120])
        if st.form_submit_button("Duplicate", **lock(EDIT)):
            copy = run_action(
                lambda s: lifecycle.duplicate_assistant(
                    session=s, assistant_id=summary.id, name=new_name
                ),
                success=f'Duplicated as "{new_name.strip()}".',
            )
            if copy is not None:
                state.select_assistant(copy.id)
                st.rerun()
    with archive_col.container(border=True):
        archived = summary.status == AssistantStatus.ARCHIVED
        st.caption(
            "Bring it back into the picker." if archived else "Hide it from the picker; keep data."
        )
        if st.button(
            "Unarchive" if archived else "Archive", key=f"archive_{summary.id}", **lock(EDIT)
        ):
            action = lifecycle.unarchive_assistant if archived else lifecycle.archive_assistant
            verb = "Unarchived" if archived else "Archived"
            if run_action(
                lambda s: action(session=s, assistant_id=summary.id),
                success=f'{verb} "{summary.name}".',
            ):
                st.rerun()
    with delete_col.form(f"delete_{summary.id}", border=True):
        confirm = st.text_input(
            "Type the name to delete for good",
            placeholder="the exact name, to confirm",
            key=f"del_{summary.id}",
        )
        if st.form_submit_button("Delete", icon=":material/delete_forever:", **lock(DELETE)):

            def delete(session: Session) -> list[str]:
                try:  # with the store, its vectors and files go too; else at next start-up
                    store: KnowledgeStore | None = get_knowledge_store()
                except StudioError:
                    store = None
                return lifecycle.delete_assistant(
                    session=session, assistant_id=summary.id, confirm_name=confirm, store=store
                )

            leftovers = run_action(delete, success=f'Deleted "{summary.name}" with its versions.')
            if leftovers is not None:
                if leftovers:  # the assistant is gone; say what start-up will still clean up
                    state.flash(
                        f'Deleted "{summary.name}". Some of its indexed documents could not be '
                        "removed from the vector store yet; the studio removes them at its next "
                        f"start ({'; '.join(leftovers)})."
                    )
                if state.selected_assistant_id() == summary.id:
                    state.select_assistant(None)
                st.rerun()
