"""Widgets of the Tools page: the parameters editor (simple form or raw JSON Schema) and the
mock-response try-out."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st
from pydantic import ValidationError

from studio.core import safe_yaml
from studio.core.errors import FieldProblem, InvalidInput, StudioError
from studio.design.schemas import ToolSpec
from studio.design.tool_parameters import (
    SIMPLE_TYPES,
    kept_keywords,
    parameters_from_rows,
    rows_from_parameters,
)
from studio.design.tools import check_arguments, render_mock_response, sample_arguments
from studio.ui.forms import FormState
from studio.ui.untrusted import safe

PARAMETER_COLUMNS = {
    "name": st.column_config.TextColumn("Parameter", help="An identifier, e.g. order_id"),
    "type": st.column_config.SelectboxColumn("Type", options=list(SIMPLE_TYPES), default="string"),
    "description": st.column_config.TextColumn(
        "Description", help="Tells the model what value to pass."
    ),
    "required": st.column_config.CheckboxColumn("Required", default=False),
    "enum": st.column_config.TextColumn("Allowed values", help="Optional, separated by commas"),
}
NEW_TOOL: dict[str, Any] = ToolSpec.model_construct(
    name="",
    description="",
    # Closed by default: the model may not invent arguments the tool does not define.
    parameters={"type": "object", "properties": {}, "required": [], "additionalProperties": False},
    enabled=True,
    mock_response='{"status": "ok"}',
).model_dump(mode="json")


def _schema_text(value: Any) -> str:
    return json.dumps(value or {"type": "object", "properties": {}}, indent=2)


def _parse(text: str, field: str) -> tuple[dict[str, Any] | None, list[FieldProblem]]:
    try:
        value = safe_yaml.load_json(text)
    except safe_yaml.UnsafeDocument as error:
        detail = "; ".join(str(p) for p in error.problems)
        return None, [FieldProblem(field, f"not valid JSON: {detail}")]
    if not isinstance(value, dict):
        return None, [FieldProblem(field, "the schema must be a JSON object: { … }")]
    return value, []


def parameters_editor(form: FormState) -> tuple[dict[str, Any] | None, list[FieldProblem]]:
    """Edit the parameters schema; return it (None if it cannot be built) and its problems."""
    field = f"{form.prefix}.parameters"
    mode_key = f"{form.ns}:parameters_mode"
    base_key = f"{form.ns}:parameters_base"  # keeps keywords the simple form does not show
    st.session_state.setdefault(base_key, form.stored.get("parameters") or {})
    if mode_key not in st.session_state:
        simple = rows_from_parameters(form.stored.get("parameters") or {}) is not None
        st.session_state[mode_key] = "simple" if simple else "json"
    st.markdown("**Parameters**")
    schema: dict[str, Any] | None
    problems: list[FieldProblem] = []
    if st.session_state[mode_key] == "simple":
        rows = form.table(
            "parameters",
            "What the model must pass when it calls the tool.",
            columns=PARAMETER_COLUMNS,
            to_rows=lambda v: rows_from_parameters(v or {}) or [],
        )
        try:
            schema = parameters_from_rows(rows, base=st.session_state[base_key])
        except InvalidInput as error:
            schema = None
            problems = [FieldProblem(f"{form.prefix}.{p.field}", p.message) for p in error.problems]
        kept = kept_keywords(schema or st.session_state[base_key])
        if kept:
            st.caption("Also kept from the JSON Schema: " + "; ".join(kept))
        switch = st.button(
            "Edit as JSON Schema",
            key=f"{form.ns}:to_json",
            disabled=schema is None,
            help="For nested objects, arrays, formats, limits…",
        )
        if switch and schema is not None:
            form.set_value("parameters", _schema_text(schema))
            st.session_state[mode_key] = "json"
            st.rerun()
    else:
        text = form.widget(
            "parameters",
            "JSON Schema of the arguments object",
            st.text_area,
            to_widget=_schema_text,
            height=220,
        )
        schema, problems = _parse(str(text), field)
        simple_rows = rows_from_parameters(schema) if schema is not None else None
        switch = st.button(
            "Use the simple form",
            key=f"{form.ns}:to_simple",
            disabled=simple_rows is None,
            help="Available when the schema only uses names, simple types, "
            "descriptions, required and allowed values.",
        )
        if switch and simple_rows is not None and schema is not None:
            form.set_value("parameters", simple_rows)
            st.session_state[base_key] = schema
            st.session_state[mode_key] = "simple"
            st.rerun()
    return schema, problems


def mock_tryout(form: FormState, tool: dict[str, Any]) -> None:
    """Render the mock response with arguments the user can edit, as the preview would."""
    try:
        spec = ToolSpec.model_validate(tool)
    except ValidationError:
        st.caption("Fix the marked fields to try the mock response.")
        return
    with st.expander("Try the mock response"):
        args_key = f"{form.ns}:try_args"
        if args_key not in st.session_state:
            st.session_state[args_key] = json.dumps(sample_arguments(spec), indent=2)
        text = st.text_area("Arguments (JSON)", key=args_key, height=120)
        if not st.button("Try mock", key=f"{form.ns}:try"):
            return
        arguments, problems = _parse(text, "arguments")
        if arguments is None:
            st.error(problems[0].message)
            return
        try:
            messages = check_arguments(spec, arguments)
        except StudioError as error:
            st.error(safe(str(error)))
            return
        for message in messages:
            st.warning(safe(f"The model would be told: {message}"))
        rendered = render_mock_response(spec, arguments)
        try:
            st.code(json.dumps(json.loads(rendered), indent=2), language="json")
        except json.JSONDecodeError as error:
            st.error(f"The mock response is not valid JSON with these arguments: {error.msg}")
