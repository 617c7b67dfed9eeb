"""Business requirements: the company, who the assistant serves, and what success looks like."""

from typing import Any

import streamlit as st

from studio.design.schemas import INDUSTRIES, AssistantType, BusinessRequirements
from studio.ui import forms, prompt_panel
from studio.ui.navigation import run_inside_studio

run_inside_studio()

detail = forms.selected_assistant()
badge = forms.page_header(
    "Business requirements",
    "The company, the audience and what the assistant is for.",
    detail=detail,
)
form = forms.FormState(
    namespace=f"business:{detail.id}",
    stored=detail.draft.business.model_dump(mode="json"),
    problem_prefix="business",
)
edit, panel = st.columns([3, 2], gap="large")

JOURNEY_COLUMNS = {
    "name": st.column_config.TextColumn("Journey", help="e.g. Where is my order?"),
    "segment": st.column_config.TextColumn("Segment", help="Who takes this journey."),
    "stages": st.column_config.TextColumn("Stages", help="Steps separated by ;"),
    "success_criteria": st.column_config.TextColumn("Done when", help="Separated by ;"),
    "escalation_paths": st.column_config.TextColumn("Escalation paths", help="Separated by ;"),
}
LIST_COLUMNS = ("stages", "success_criteria", "escalation_paths")


def _journey_rows(journeys: Any) -> list[dict[str, Any]]:
    return [
        {k: "; ".join(v) if k in LIST_COLUMNS else v for k, v in journey.items()}
        for journey in journeys or []
    ]


def _journeys(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: forms.split_items(row[k]) if k in LIST_COLUMNS else str(row[k]) for k in row}
        for row in rows
    ]


with edit:
    st.subheader("Company")
    left, right = st.columns(2)
    with left:
        form.text("company_name", "Company name", placeholder="e.g. Northwind Outfitters")
        form.widget(
            "assistant_type",
            "Assistant type",
            st.selectbox,
            options=[t.value for t in AssistantType],
            format_func=lambda v: AssistantType(v).label,
        )
    with right:
        form.choice_with_other(
            "industry",
            "Industry",
            INDUSTRIES,
            other_label="Your industry",
            help='Pick the closest, or "Other…" to type your own.',
        )
    form.widget(
        "target_audience",
        "Target audience",
        st.text_area,
        height=80,
        to_widget=lambda v: v or "",
        placeholder="Who talks to the assistant, what they need, how they reach you.",
    )

    st.subheader("Goals")
    left, right = st.columns(2)
    with left:
        form.lines(
            "primary_objectives", "Primary objectives", help="Most important first, one per line."
        )
        form.lines(
            "compliance_requirements",
            "Compliance requirements",
            help="Rules that override everything else (GDPR, HIPAA…), one per line.",
        )
    with right:
        form.lines("success_metrics", "Success metrics", help="How you measure success.")
        form.lines(
            "integration_needs",
            "Integrations",
            help="Systems the assistant works with (CRM, helpdesk…), one per line.",
        )

    st.subheader("User journeys")
    form.table(
        "user_journeys",
        "The typical paths customers take. Separate stages and criteria with ;",
        columns=JOURNEY_COLUMNS,
        to_rows=_journey_rows,
        to_data=_journeys,
    )
    config = forms.finish_section(
        form,
        detail=detail,
        section="business",
        model=BusinessRequirements,
        what="business requirements",
        badge=badge,
    )

with panel:
    prompt_panel.section_panel(config, detail=detail, section="business")
