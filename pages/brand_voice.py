"""Brand voice: how the brand sounds — attributes, tone per situation, words to use and avoid."""

from typing import Any

import streamlit as st

from studio.design.schemas import TONE_CONTEXTS, BrandVoice
from studio.ui import forms, prompt_panel
from studio.ui.navigation import run_inside_studio

run_inside_studio()

detail = forms.selected_assistant()
badge = forms.page_header(
    "Brand voice",
    "How the brand sounds in every conversation.",
    detail=detail,
)
form = forms.FormState(
    namespace=f"brand_voice:{detail.id}",
    stored=detail.draft.brand_voice.model_dump(mode="json"),
    problem_prefix="brand_voice",
)
edit, panel = st.columns([3, 2], gap="large")

TONE_COLUMNS = {
    "context": st.column_config.TextColumn(
        "Situation", help=f"e.g. {', '.join(TONE_CONTEXTS)}", required=True
    ),
    "guideline": st.column_config.TextColumn("Tone", help="How to sound in this situation."),
}
VOCABULARY_COLUMNS = {
    "prefer": st.column_config.TextColumn("Say", help="The word or phrase to use."),
    "avoid": st.column_config.TextColumn("Instead of", help="The word or phrase to avoid."),
}


def _tone_rows(tones: Any) -> list[dict[str, Any]]:
    return [{"context": k, "guideline": v} for k, v in (tones or {}).items()]


def _tones(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {str(r["context"]).strip(): str(r["guideline"]).strip() for r in rows}


def _vocabulary(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"prefer": str(r["prefer"]), "avoid": str(r["avoid"])} for r in rows]


with edit:
    st.subheader("Identity")
    left, right = st.columns(2)
    with left:
        form.text("brand_name", "Brand name", placeholder=detail.draft.business.company_name)
        form.lines(
            "voice_attributes",
            "Voice attributes",
            help="A few words, one per line: warm, concise, expert…",
        )
    with right:
        form.lines("brand_values", "Brand values", height=145, help="One per line.")

    st.subheader("Tone and words")
    form.table(
        "tone_guidelines",
        "Tone per situation (support, sales, complaint…)",
        columns=TONE_COLUMNS,
        to_rows=_tone_rows,
        to_data=_tones,
    )
    form.table(
        "vocabulary",
        "Vocabulary: what to say instead of what (either column may stay empty)",
        columns=VOCABULARY_COLUMNS,
        to_data=_vocabulary,
    )
    form.lines(
        "forbidden_phrases",
        "Forbidden phrases",
        help="Never said, one per line. The check flags greetings that use them.",
    )

    st.subheader("Messaging")
    left, right = st.columns(2)
    with left:
        form.lines("messaging_pillars", "Messaging pillars", help="Key messages, one per line.")
        form.lines("cultural_sensitivity", "Cultural sensitivity", help="One guideline per line.")
    with right:
        form.lines(
            "competitive_differentiation",
            "Competitive differentiation",
            help="What sets you apart, one per line.",
        )
    config = forms.finish_section(
        form,
        detail=detail,
        section="brand_voice",
        model=BrandVoice,
        what="brand voice",
        badge=badge,
    )

with panel:
    prompt_panel.section_panel(config, detail=detail, section="brand_voice")
