"""The configuration check: completeness score and concrete warnings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from studio.design.checks import check_config
from studio.design.schemas import AssistantConfig, ToolSpec, VocabularyRule, blank_config
from studio.design.templates import list_templates


def _full() -> AssistantConfig:
    return next(t.config for t in list_templates() if t.key == "ecommerce_support")


def _with(change: Callable[[AssistantConfig], None]) -> AssistantConfig:
    config = _full()
    change(config)
    return config


def _tool_without_description(c: AssistantConfig) -> None:
    c.tools = [ToolSpec(name="lookup", description="")]


def _param_without_description(c: AssistantConfig) -> None:
    c.tools = [
        ToolSpec(
            name="lookup",
            description="Find things",
            parameters={"type": "object", "properties": {"q": {"type": "string"}}},
        )
    ]


def _required_not_in_properties(c: AssistantConfig) -> None:
    c.tools = [
        ToolSpec(
            name="lookup",
            description="Find things",
            parameters={"type": "object", "properties": {}, "required": ["q"]},
        )
    ]


def _forbidden_phrase_in_greeting(c: AssistantConfig) -> None:
    c.brand_voice.forbidden_phrases = ["no worries"]
    c.persona.greetings = ["Hi! No worries, I'm here."]


def _forbidden_phrase_in_farewell(c: AssistantConfig) -> None:
    c.brand_voice.forbidden_phrases = ["cheers mate"]
    c.persona.farewells = ["Bye", "Cheers mate!"]


def _avoided_word_in_greeting(c: AssistantConfig) -> None:
    c.brand_voice.vocabulary = [VocabularyRule(prefer="hello", avoid="yo")]
    c.persona.greetings = ["Yo, what's up?"]


def _casual_voice_formal_slider(c: AssistantConfig) -> None:
    c.brand_voice.voice_attributes = ["playful", "warm"]
    c.persona.formality = 85


def _formal_voice_casual_slider(c: AssistantConfig) -> None:
    c.brand_voice.voice_attributes = ["formal"]
    c.persona.formality = 10


def _topic_also_expertise(c: AssistantConfig) -> None:
    c.persona.expertise_areas = ["billing", "returns"]
    c.persona.forbidden_topics = ["politics", "Billing"]


@pytest.mark.parametrize(
    ("change", "severity", "field", "fragment"),
    [
        (
            lambda c: setattr(c.persona, "escalation_triggers", []),
            "warning",
            "persona.escalation_triggers",
            "escalation",
        ),
        (lambda c: setattr(c.persona, "greetings", []), "info", "persona.greetings", "greeting"),
        (
            lambda c: setattr(c.business, "primary_objectives", []),
            "warning",
            "business.primary_objectives",
            "objective",
        ),
        (_forbidden_phrase_in_greeting, "error", "persona.greetings[1]", '"no worries"'),
        (_forbidden_phrase_in_farewell, "error", "persona.farewells[2]", '"cheers mate"'),
        (_avoided_word_in_greeting, "warning", "persona.greetings[1]", 'say "hello"'),
        (_casual_voice_formal_slider, "warning", "persona.formality", "playful"),
        (_formal_voice_casual_slider, "warning", "persona.formality", "formal"),
        (_topic_also_expertise, "error", "persona.forbidden_topics[2]", "area of expertise"),
        (_tool_without_description, "warning", "tools[1].description", "no description"),
        (_param_without_description, "warning", "tools[1].parameters", 'Parameter "q"'),
        (_required_not_in_properties, "error", "tools[1].parameters", "not defined"),
    ],
)
def test_problems_are_reported_on_the_right_field(
    change: Callable[[AssistantConfig], None], severity: str, field: str, fragment: str
) -> None:
    assert not [i for i in check_config(_full()).items if i.field == field]
    items = check_config(_with(change)).items
    assert any(
        i.severity == severity and i.field == field and fragment in i.message for i in items
    ), items


def test_a_complete_template_scores_high_and_a_blank_config_low() -> None:
    full, blank = check_config(_full()), check_config(blank_config(company_name="Acme"))
    assert full.score >= 90
    assert blank.score <= 20
    assert not full.errors


def test_errors_lower_the_score_and_come_first() -> None:
    bad = check_config(_with(_forbidden_phrase_in_greeting))
    assert bad.score < check_config(_full()).score
    assert bad.items[0].severity == "error"


def test_slider_in_line_with_the_voice_is_fine() -> None:
    config = _with(_casual_voice_formal_slider)
    config.persona.formality = 30
    assert not [i for i in check_config(config).items if i.field == "persona.formality"]
