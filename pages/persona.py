"""Persona: who the assistant is, how it talks (five sliders), and where its limits are."""

import streamlit as st

from studio.design.prompting import SLIDER_SCALES, band_for
from studio.design.schemas import (
    SLIDERS,
    CommunicationStyle,
    ErrorHandlingStyle,
    ExpertiseLevel,
    Persona,
)
from studio.ui import forms, prompt_panel
from studio.ui.navigation import run_inside_studio

run_inside_studio()

detail = forms.selected_assistant()
badge = forms.page_header(
    "Persona",
    "Who the assistant is and how it talks. The prompt on the right follows every edit.",
    detail=detail,
)
form = forms.FormState(
    namespace=f"persona:{detail.id}",
    stored=detail.draft.persona.model_dump(mode="json"),
    problem_prefix="persona",
)
edit, panel = st.columns([3, 2], gap="large")


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


with edit:
    st.subheader("Identity")
    left, right = st.columns(2)
    with left:
        form.text("name", "Name", placeholder="e.g. Nora", help="What the assistant calls itself.")
        form.widget(
            "communication_style",
            "Communication style",
            st.selectbox,
            options=[s.value for s in CommunicationStyle],
            format_func=_label,
        )
    with right:
        form.text("role", "Role", placeholder="e.g. Customer support specialist")
        form.widget(
            "expertise_level",
            "Expertise level",
            st.selectbox,
            options=[s.value for s in ExpertiseLevel],
            format_func=_label,
        )
    left, right, third = st.columns(3)
    with left:
        form.lines("personality_traits", "Personality traits", help="One per line, e.g. patient.")
    with right:
        form.lines("expertise_areas", "Areas of expertise", help="One per line.")
    with third:
        form.lines("languages", "Languages", help="One per line; the first is the default.")

    st.subheader("Behaviour")
    st.caption("Each slider has five bands; the text under it is the instruction it adds.")
    for slider in SLIDERS:
        scale = SLIDER_SCALES[slider]
        value = form.widget(
            slider,
            scale.title,
            st.slider,
            min_value=0,
            max_value=100,
            step=1,
            help=scale.help_with_ends,
        )
        band = band_for(slider, int(value))
        st.caption(f"**{band.label}** ({band.range_label}) — {band.instruction}")

    st.subheader("Conversation")
    left, right = st.columns(2)
    with left:
        form.lines("greetings", "Greetings", help="One per line; the assistant adapts them.")
        form.lines(
            "escalation_triggers",
            "Escalation triggers",
            help="When to hand over to a person, one per line.",
        )
    with right:
        form.lines("farewells", "Farewells", help="One per line.")
        form.lines("forbidden_topics", "Forbidden topics", help="Topics to decline, one per line.")
    form.lines(
        "response_guidelines",
        "Response guidelines",
        height=120,
        help="Rules for every answer, one per line.",
    )
    form.widget(
        "error_handling_style",
        "When something goes wrong",
        st.radio,
        options=[s.value for s in ErrorHandlingStyle],
        format_func=_label,
        horizontal=True,
    )
    config = forms.finish_section(
        form, detail=detail, section="persona", model=Persona, what="persona", badge=badge
    )

with panel:
    prompt_panel.section_panel(config, detail=detail, section="persona")
