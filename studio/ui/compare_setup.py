"""Compare page, top half: pick two variants (version or draft, quick overrides) and see exactly
what differs between them (configuration, compiled prompt, cost per turn)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from studio.compare import forecast
from studio.compare.variants import Overrides, Variant, VariantSpec, difference, resolve_variant
from studio.core.db import session_scope
from studio.core.errors import StudioError, problems_from_validation
from studio.design import assistants, versions
from studio.design.prompt_scales import SLIDER_SCALES
from studio.design.schemas import SLIDERS, GroundingMode
from studio.ui import field_help
from studio.ui.assistant_admin import show_error
from studio.ui.resources import get_engine
from studio.ui.untrusted import safe

SIDE_NAMES = ("A", "B")
DRAFT = 0  # selectbox value standing for the draft (versions start at 1)
AS_CONFIGURED = "as configured"


def _key(side: int, name: str) -> str:
    return f"compare_{SIDE_NAMES[side].lower()}_{name}"


def _overrides(side: int, tool_names: list[str]) -> Overrides | None:
    """The quick-override widgets of one side; None (with the problem shown) when invalid."""
    with st.expander("Quick overrides", icon=":material/tune:"):
        slider = st.selectbox("Persona slider", [AS_CONFIGURED, *SLIDERS], key=_key(side, "slider"))
        sliders: dict[str, int] = {}
        if slider != AS_CONFIGURED:
            scale = SLIDER_SCALES[slider]
            sliders[slider] = st.slider(
                f"{scale.title} (0–100)",
                0,
                100,
                50,
                key=_key(side, "level"),
                help=scale.help_with_ends,
            )
        model = st.text_input(
            "Model", key=_key(side, "model"), placeholder=AS_CONFIGURED, help=field_help.MODEL
        )
        left, right = st.columns(2)
        temperature = left.number_input(
            "Temperature",
            0.0,
            2.0,
            value=None,
            step=0.1,
            key=_key(side, "temp"),
            placeholder=AS_CONFIGURED,
            help=field_help.TEMPERATURE,
        )
        top_k = right.number_input(
            "Top-k",
            1,
            20,
            value=None,
            key=_key(side, "top_k"),
            placeholder=AS_CONFIGURED,
            help=field_help.TOP_K,
        )
        threshold = left.number_input(
            "Score threshold",
            0.0,
            1.0,
            value=None,
            step=0.05,
            key=_key(side, "threshold"),
            placeholder=AS_CONFIGURED,
            help=field_help.SCORE_THRESHOLD,
        )
        weight = right.number_input(
            "Keyword weight",
            0.0,
            1.0,
            value=None,
            step=0.05,
            key=_key(side, "weight"),
            placeholder=AS_CONFIGURED,
            help=field_help.KEYWORD_WEIGHT,
        )
        grounding = st.selectbox(
            "Grounding mode",
            [AS_CONFIGURED, *(g.value for g in GroundingMode)],
            key=_key(side, "grounding"),
            help=field_help.GROUNDING,
        )
        off = st.multiselect("Tools switched off", tool_names, key=_key(side, "tools_off"))
    try:
        return Overrides(
            sliders=sliders,
            model=model.strip() or None,
            temperature=temperature,
            top_k=int(top_k) if top_k is not None else None,
            score_threshold=threshold,
            keyword_weight=weight,
            grounding_mode=None if grounding == AS_CONFIGURED else GroundingMode(grounding),
            disabled_tools=list(off),
        )
    except ValidationError as exc:
        problems = "; ".join(str(p) for p in problems_from_validation(exc))
        st.error(safe(f"Side {SIDE_NAMES[side]}: these overrides are not valid — {problems}"))
        return None


def pick_variant(side: int, default_assistant: int) -> VariantSpec | None:
    """One side's picker: assistant, version or draft, overrides. None when unusable."""
    with session_scope(get_engine()) as session:
        every = assistants.list_assistants(session=session)
        names = {a.id: a.name for a in every}
        if not names:
            return None
        chosen = st.selectbox(
            "Assistant",
            list(names),
            format_func=lambda i: safe(names[i]),
            key=_key(side, "assistant"),
            index=list(names).index(default_assistant) if default_assistant in names else 0,
        )
        detail = assistants.get_assistant(session=session, assistant_id=chosen)
        history = versions.list_versions(session=session, assistant_id=chosen)
    options = [DRAFT, *(v.number for v in history)]
    published = {v.number for v in history if v.is_published}

    def label(number: int) -> str:
        if number == DRAFT:
            return "Draft (unsaved changes)" if detail.has_unsaved_changes else "Draft"
        return f"Version {number}" + (" · published" if number in published else "")

    # A starts on the published (or latest) version, B on the draft: the usual question.
    start = next(iter(published), options[1] if len(options) > 1 else DRAFT) if side == 0 else DRAFT
    number = st.selectbox(
        "Version",
        options,
        index=options.index(start),
        format_func=label,
        key=_key(side, f"version_{chosen}"),
    )
    overrides = _overrides(side, [t.name for t in detail.draft.tools])
    if overrides is None:
        return None
    return VariantSpec(assistant_id=chosen, version=number or None, overrides=overrides)


def spec_key(specs: list[VariantSpec]) -> str:
    """A stable text key of both specs (a change starts a new comparison)."""
    return json.dumps([s.model_dump(mode="json") for s in specs], sort_keys=True)


def resolve(specs: list[VariantSpec]) -> list[Variant] | None:
    """Both variants resolved, or None with the error shown."""
    try:
        with session_scope(get_engine()) as session:
            return [resolve_variant(session=session, spec=s) for s in specs]
    except StudioError as error:
        show_error(error)
        return None


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    return safe(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def difference_panel(variants: list[Variant]) -> None:
    """What differs: changed fields, the compiled-prompt diff, the cost of one turn."""
    a, b = variants
    diff = difference(a, b)
    if diff.identical:
        st.info(
            "Both sides run exactly the same configuration. That is allowed (it shows how "
            "much replies vary by chance), but the two columns are not two designs.",
            icon=":material/info:",
        )
    with st.expander(
        f"What differs — {len(diff.changes)} field change(s)",
        expanded=not diff.identical,
        icon=":material/difference:",
    ):
        if diff.changes:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Field": c.path,
                            "Change": c.kind.value,
                            "A": _cell(c.before),
                            "B": _cell(c.after),
                        }
                        for c in diff.changes
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
        st.markdown("**Compiled prompt**")
        if diff.prompt_diff:
            st.code(diff.prompt_diff, language="diff", wrap_lines=True)
        else:
            st.caption("The compiled system prompts are the same.")
        with session_scope(get_engine()) as session:
            costs = [forecast.turn_cost(session=session, variant=v) for v in variants]
        st.markdown(
            "**Cost per turn** (system prompt + a typical 150-token reply; at most the "
            "longest reply the configuration allows)"
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Side": name,
                        "Model": safe(c.model),
                        "Prompt tokens": c.prompt_tokens,
                        "Typical turn": f"${c.typical_usd:.5f}" if c.priced else "no price set",
                        "At most": f"${c.max_usd:.5f}" if c.priced else "no price set",
                    }
                    for name, c in zip(SIDE_NAMES, costs, strict=True)
                ]
            ),
            hide_index=True,
            width="stretch",
        )
