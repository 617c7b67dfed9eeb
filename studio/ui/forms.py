"""Shared form widgets for the design pages: live edits, unsaved-changes tracking, field-level
messages, save, and the compiled-prompt side panel.

Edits are plain widgets (not `st.form`) so the compiled prompt follows every change. Each page
keeps a *working copy* of its widget values under a non-widget key namespaced by page and
assistant id: Streamlit forgets widget state when the user opens another page, the working copy
does not, so unsaved edits survive navigation and switching assistants reloads values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import BaseModel, ValidationError

from studio.access.roles import Permission, why_not
from studio.core.db import session_scope
from studio.core.errors import EditConflict, FieldProblem, InvalidInput, NotFound, StudioError
from studio.core.errors import problems_from_validation as _problems
from studio.design import assistants, drafts
from studio.design.assistants import AssistantDetail
from studio.design.schemas import AssistantConfig
from studio.ui import conflicts, state
from studio.ui.resources import get_engine
from studio.ui.untrusted import plain, safe

OTHER = "Other…"


def selected_assistant() -> AssistantDetail:
    """The assistant picked in the sidebar; otherwise explain, link to Assistants and stop."""
    assistant_id = state.selected_assistant_id()
    if assistant_id is not None:
        try:
            with session_scope(get_engine()) as session:
                return assistants.get_assistant(session=session, assistant_id=assistant_id)
        except NotFound:
            pass
    st.info("No assistant is selected. Create one, or pick one in the sidebar, to edit it here.")
    st.page_link("pages/home.py", label="Go to Assistants", icon=":material/smart_toy:")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the script run


def lines_to_list(text: str) -> list[str]:
    """One item per line; blank lines dropped."""
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def split_items(text: Any) -> list[str]:
    """Items of a table cell written as "a; b; c"."""
    return [part.strip() for part in str(text or "").split(";") if part.strip()]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@dataclass
class _Field:
    label: str
    slot: Any  # st.empty() under the widget, for its messages


class FormState:
    """The working copy behind one form: widget values, loaded snapshot and messages."""

    def __init__(self, *, namespace: str, stored: dict[str, Any], problem_prefix: str) -> None:
        self.ns = namespace
        self.stored = stored
        self.prefix = problem_prefix
        self.fields: dict[str, _Field] = {}
        self.converters: dict[str, Callable[[Any], Any]] = {}
        self.changed_elsewhere = False
        base = st.session_state.get(self._k("base"))
        if base is None:
            self._load()
        elif base != stored:
            if self.values == st.session_state.get(self._k("loaded"), {}):
                self.reset(rerun=False)  # nothing edited here: quietly show the new draft
            else:
                self.changed_elsewhere = True

    def _k(self, name: str) -> str:
        return f"{self.ns}:{name}"

    def _load(self) -> None:
        st.session_state[self._k("base")] = self.stored
        st.session_state[self._k("values")] = {}
        st.session_state[self._k("loaded")] = {}

    @property
    def values(self) -> dict[str, Any]:
        """The working copy: each drawn field's widget value."""
        values: dict[str, Any] = st.session_state.setdefault(self._k("values"), {})
        return values

    def widget_key(self, field: str) -> str:
        """The Streamlit key of a field's widget (tests find widgets by it)."""
        return self._k(f"w:{field}")

    def reset(self, *, rerun: bool = True) -> None:
        """Forget every edit in this form and reload from what is stored."""
        for key in [k for k in st.session_state if str(k).startswith(f"{self.ns}:")]:
            del st.session_state[key]
        self._load()
        if rerun:
            st.rerun()

    def _start(self, field: str, label: str, to_widget: Callable[[Any], Any]) -> Any:
        if field not in self.values:
            initial = to_widget(self.stored.get(field))
            self.values[field] = initial
            st.session_state[self._k("loaded")][field] = initial
        return self.values[field]

    def _done(self, field: str, label: str, value: Any, to_data: Callable[[Any], Any]) -> None:
        self.values[field] = value
        self.converters[field] = to_data
        self.fields[field] = _Field(label, st.empty())

    def widget(
        self,
        field: str,
        label: str,
        draw: Callable[..., Any],
        *,
        to_widget: Callable[[Any], Any] = lambda v: v,
        to_data: Callable[[Any], Any] = lambda v: v,
        **kwargs: Any,
    ) -> Any:
        """Draw a value widget (`st.text_input`, `st.slider`…) bound to `field`."""
        initial = self._start(field, label, to_widget)
        key = self.widget_key(field)
        if key not in st.session_state:
            st.session_state[key] = initial
        value = draw(label, key=key, **kwargs)
        self._done(field, label, value, to_data)
        return value

    def text(self, field: str, label: str, **kwargs: Any) -> str:
        """A one-line text field."""
        return str(self.widget(field, label, st.text_input, to_widget=lambda v: v or "", **kwargs))

    def lines(self, field: str, label: str, *, height: int = 100, **kwargs: Any) -> list[str]:
        """A list of strings edited as one item per line."""
        text = self.widget(
            field,
            label,
            st.text_area,
            to_widget=lambda v: "\n".join(v or []),
            to_data=lines_to_list,
            height=height,
            **kwargs,
        )
        return lines_to_list(text)

    def choice_with_other(
        self, field: str, label: str, options: Sequence[str], *, other_label: str, **kwargs: Any
    ) -> str:
        """A select box of suggestions plus "Other…", which opens a text box."""
        current = str(self._start(field, label, lambda v: v or ""))
        choice_key, other_key = (
            self.widget_key(f"{field}:choice"),
            self.widget_key(f"{field}:other"),
        )
        if choice_key not in st.session_state:
            st.session_state[choice_key] = current if current in options or not current else OTHER
        if other_key not in st.session_state:
            st.session_state[other_key] = "" if current in options else current
        choice = st.selectbox(
            label,
            ["", *options, OTHER],
            key=choice_key,
            format_func=lambda o: o or "— choose —",
            **kwargs,
        )
        value = str(choice)
        if choice == OTHER:
            value = st.text_input(other_label, key=other_key).strip()
        self._done(field, label, value, lambda v: v)
        return value

    def table(
        self,
        field: str,
        label: str,
        *,
        columns: dict[str, Any],
        to_rows: Callable[[Any], list[dict[str, Any]]] = lambda v: list(v or []),
        to_data: Callable[[list[dict[str, Any]]], Any] = lambda rows: rows,
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        """A list of records edited in `st.data_editor` (rows can be added and deleted)."""
        rows = self._start(field, label, to_rows)
        key = self.widget_key(field)
        base_key = self._k(f"editor_base:{field}")
        if key not in st.session_state or base_key not in st.session_state:
            # The editor keeps only a delta against the data it was first given: hand it the
            # working copy once, and the same frame on every later run.
            st.session_state.pop(key, None)
            st.session_state[base_key] = pd.DataFrame(rows, columns=list(columns))
        st.caption(label)
        edited = st.data_editor(
            st.session_state[base_key],
            key=key,
            num_rows="dynamic",
            column_config=columns,
            width="stretch",
            hide_index=True,
            **kwargs,
        )
        records = [
            {name: ("" if _blank(row.get(name)) else row.get(name)) for name in columns}
            for row in edited.to_dict("records")
        ]
        records = [r for r in records if any(v not in ("", False) for v in r.values())]
        self._done(field, label, records, to_data)
        return records

    def set_value(self, field: str, value: Any) -> None:
        """Replace a field's edited value (and forget its widget, which redraws with it)."""
        self.values[field] = value
        st.session_state.pop(self.widget_key(field), None)
        st.session_state.pop(self._k(f"editor_base:{field}"), None)

    def data(self) -> dict[str, Any]:
        """The stored section with every drawn field replaced by its edited value."""
        data = dict(self.stored)
        for field, convert in self.converters.items():
            data[field] = convert(self.values[field])
        return data

    def show_problems(self, problems: Sequence[FieldProblem]) -> list[FieldProblem]:
        """Write each problem under its field; return those that belong to no drawn field."""
        by_field: dict[str, list[str]] = {}
        unplaced: list[FieldProblem] = []
        for problem in problems:
            field = self._field_of(problem.field)
            if field is None:
                unplaced.append(problem)
            else:
                by_field.setdefault(field, []).append(
                    _detail(problem.field, field, self.prefix) + _sentence(problem.message)
                )
        for field, messages in by_field.items():
            self.fields[field].slot.error("\n\n".join(messages), icon=":material/error:")
        return unplaced

    def _field_of(self, path: str) -> str | None:
        for field in self.fields:
            full = f"{self.prefix}.{field}" if self.prefix else field
            if path == full or path.startswith((f"{full}[", f"{full}.")):
                return field
        return None


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def _detail(path: str, field: str, prefix: str) -> str:
    """For "persona.greetings[2]" under field greetings: "Line 2: "."""
    full = f"{prefix}.{field}" if prefix else field
    rest = path[len(full) :]
    if rest.startswith("["):
        number = rest[1:].split("]", 1)[0]
        tail = rest.split("]", 1)[1].lstrip(".")
        return f"Item {number}{' › ' + tail.replace('_', ' ') if tail else ''}: "
    return ""


def validate_model(
    model: type[BaseModel], data: dict[str, Any], *, prefix: str
) -> tuple[dict[str, Any] | None, list[FieldProblem]]:
    """Validate a section; return its normalised JSON form, or the field problems."""
    try:
        return model.model_validate(data).model_dump(mode="json"), []
    except ValidationError as error:
        return None, _problems(error, prefix=prefix)


def status_badge(slot: Any, *, dirty: bool) -> None:
    """Say whether the form has unsaved changes."""
    if dirty:
        slot.badge("Unsaved changes", icon=":material/edit:", color="orange")
    else:
        slot.badge("All changes saved", icon=":material/check:", color="green")


def save_section(
    form: FormState,
    *,
    detail: AssistantDetail,
    section: str,
    data: Any,
    dirty: bool,
    problems: list[FieldProblem],
    what: str,
    on_saved: Callable[[], None] | None = None,
) -> None:
    """The save bar: Save (disabled while nothing changed or something is invalid) and Discard."""
    if problems and dirty:
        st.error(f"Fix the {len(problems)} problem(s) marked in red to save.")
    revision = conflicts.loaded_revision(form.ns, assistant_id=detail.id)
    bar = st.container(horizontal=True)
    denied = why_not(Permission.EDIT_ASSISTANT)
    clicked = bar.button(
        f"Save {what}",
        type="primary",
        disabled=not dirty or bool(problems) or bool(denied),
        help=denied or None,
        key=form.widget_key("__save"),
    )
    if bar.button("Discard changes", disabled=not dirty, key=form.widget_key("__discard")):
        form.reset()
    if form.changed_elsewhere and not conflicts.pending(form.ns):
        st.warning(
            "The stored draft was changed elsewhere since you started editing. Save to keep your "
            "version, or discard your changes to load the stored one."
        )
    overwrite = conflicts.show(form.ns, on_reload=form.reset)
    if not clicked and overwrite is None:
        return
    try:
        with session_scope(get_engine()) as session:
            drafts.update_draft_section(
                session=session, assistant_id=detail.id, section=section, data=data,
                expected_revision=overwrite if overwrite is not None else revision,
            )  # fmt: skip
    except EditConflict as error:
        conflicts.remember(form.ns, error, assistant_id=detail.id)
        st.rerun()
    except InvalidInput as error:
        st.error(error.message)
        for problem in form.show_problems(error.problems):
            st.error(safe(str(problem)))
        return
    except StudioError as error:
        st.error(safe(str(error)))
        return
    form.reset(rerun=False)
    if on_saved is not None:
        on_saved()
    state.flash(f"{what.capitalize()} saved to the draft of {detail.name}.")
    st.rerun()


def delete_tool(*, detail: AssistantDetail, name: str) -> bool:
    """Delete one tool from the stored draft; show what went wrong and return False if it failed."""
    try:
        with session_scope(get_engine()) as session:
            drafts.delete_tool(session=session, assistant_id=detail.id, name=name)
    except StudioError as error:
        st.error(safe(str(error)))
        return False
    return True


def page_header(title: str, caption: str, *, detail: AssistantDetail) -> Any:
    """Title, caption and a slot for the unsaved-changes badge (filled by `finish_section`)."""
    state.show_flash()  # Home shows it first in the app; this covers a page run on its own
    st.title(title)
    st.caption(f"{caption} Editing the draft of **{plain(detail.name)}**.")
    if denied := why_not(Permission.EDIT_ASSISTANT):
        st.info(f"Read only: {denied}", icon=":material/lock:")
    return st.empty()


def finish_section(
    form: FormState,
    *,
    detail: AssistantDetail,
    section: str,
    model: type[BaseModel],
    what: str,
    badge: Any,
) -> AssistantConfig | None:
    """Validate the edits live, place messages, draw the save bar; return the edited config."""
    data = form.data()
    clean, problems = validate_model(model, data, prefix=section)
    config: AssistantConfig | None = None
    if clean is not None:
        document = detail.draft.model_dump(mode="json") | {section: clean}
        try:
            config = AssistantConfig.model_validate(document)
        except ValidationError as error:
            problems = _problems(error)
    for problem in form.show_problems(problems):
        st.error(safe(str(problem)))
    dirty = clean is None or clean != form.stored
    status_badge(badge, dirty=dirty)
    save_section(
        form,
        detail=detail,
        section=section,
        data=clean if clean is not None else data,
        dirty=dirty,
        problems=problems,
        what=what,
    )
    return config
