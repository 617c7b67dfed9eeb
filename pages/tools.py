"""Tools: the functions the assistant may call, their parameters and the mock responses the
preview returns."""

import streamlit as st

from studio.core.errors import FieldProblem
from studio.design.schemas import MAX_TOOLS, ToolSpec
from studio.design.tools import validate_tools
from studio.ui import forms, prompt_panel, state, tool_editor
from studio.ui.navigation import run_inside_studio
from studio.ui.untrusted import plain, safe

run_inside_studio()

NEW = -1
detail = forms.selected_assistant()
badge = forms.page_header(
    "Tools",
    "Functions the assistant may call. The preview answers with the mock responses.",
    detail=detail,
)
stored_tools = [t.model_dump(mode="json") for t in detail.draft.tools]
edit, panel = st.columns([3, 2], gap="large")


def _forget_tool_edits() -> None:
    """Tool positions shift after a delete: drop every tool form of this assistant."""
    for key in [k for k in st.session_state if str(k).startswith(f"tools:{detail.id}:")]:
        del st.session_state[key]


def _delete_tool(name: str) -> None:
    if forms.delete_tool(detail=detail, name=name):
        _forget_tool_edits()
        state.flash(f"Tool {name} deleted.")


with edit:
    if stored_tools:
        st.dataframe(
            [
                {"Tool": t["name"], "Enabled": t["enabled"], "Description": t["description"]}
                for t in stored_tools
            ],
            hide_index=True,
            width="stretch",
        )
    options = [*range(len(stored_tools)), NEW]
    pick_key = f"tools:{detail.id}:pick"
    if st.session_state.get(pick_key) not in options:
        st.session_state[pick_key] = options[0]
    index = st.selectbox(
        "Tool to edit",
        options,
        key=pick_key,
        format_func=lambda i: "➕ New tool" if i == NEW else stored_tools[i]["name"],
    )
    is_new = index == NEW
    position = len(stored_tools) if is_new else index
    form = forms.FormState(
        namespace=f"tools:{detail.id}:{'new' if is_new else index}",
        stored=tool_editor.NEW_TOOL if is_new else stored_tools[index],
        problem_prefix=f"tools[{position + 1}]",
    )
    left, right = st.columns([3, 1])
    with left:
        form.text(
            "name",
            "Name",
            placeholder="e.g. get_order_status",
            help="Letters, digits and underscores; unique within the assistant.",
        )
    with right:
        form.widget("enabled", "Enabled", st.toggle, help="Disabled tools are not offered.")
    form.widget(
        "description",
        "Description",
        st.text_area,
        height=80,
        placeholder="When should the assistant call it, and what does it return?",
    )
    schema, problems = tool_editor.parameters_editor(form)
    form.widget(
        "mock_response",
        "Mock response (JSON)",
        st.text_area,
        height=140,
        help="What the preview returns. {{parameter}} is replaced by the call's value.",
    )

    tool = form.data() | {"parameters": schema or form.stored["parameters"]}
    tools = [*stored_tools[:position], tool, *stored_tools[position + 1 :]]
    if schema is not None:
        problems += [p for p in validate_tools(tools) if p.field.startswith(form.prefix)]
    if is_new and len(stored_tools) >= MAX_TOOLS:
        problems.append(FieldProblem("tools", f"An assistant can have {MAX_TOOLS} tools at most."))
    clean = ToolSpec.model_validate(tool).model_dump(mode="json") if not problems else None
    dirty = (clean if clean is not None else tool) != form.stored
    if dirty or not is_new:  # an untouched new tool has nothing to fix yet
        for problem in form.show_problems(problems):
            st.error(safe(str(problem)))
    forms.status_badge(badge, dirty=dirty)
    if clean is not None:
        tool_editor.mock_tryout(form, tool)

    def _select_saved() -> None:
        _forget_tool_edits()
        st.session_state[pick_key] = position

    forms.save_section(
        form,
        detail=detail,
        section="tools",
        data=tools,
        dirty=dirty,
        problems=problems,
        what="tool",
        on_saved=_select_saved,
    )
    if not is_new:
        with st.popover("Delete tool", icon=":material/delete:"):
            st.write(f"Delete **{plain(stored_tools[index]['name'])}** from the draft?")
            st.button(
                "Yes, delete it",
                type="primary",
                key=f"tools:{detail.id}:delete",
                # The name shown now, not a position: the list may change before the click.
                on_click=_delete_tool,
                args=(stored_tools[index]["name"],),
            )

with panel:
    preview = None
    if clean is not None:
        preview = detail.draft.model_copy(
            update={"tools": [ToolSpec.model_validate(t) for t in tools]}
        )
    prompt_panel.section_panel(preview, detail=detail, section="tools")
