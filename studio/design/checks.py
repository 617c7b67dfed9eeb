"""Configuration check: a completeness score and concrete warnings about an assistant's setup.

The score counts how many of the fields that shape behaviour are filled in (weighted by how much
they matter), minus a penalty per error; the items say exactly which field to fix and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from studio.design.schemas import AssistantConfig
from studio.design.tools import validate_tool

Severity = Literal["error", "warning", "info"]

CASUAL_ATTRIBUTES = ("casual", "playful", "laid-back", "laid back", "informal", "quirky", "cheeky")
FORMAL_ATTRIBUTES = ("formal", "authoritative", "corporate", "ceremonious")
ERROR_PENALTY = 10


@dataclass(frozen=True)
class CheckItem:
    severity: Severity
    field: str
    message: str


@dataclass(frozen=True)
class ConfigCheck:
    score: int  # 0–100
    items: list[CheckItem] = field(default_factory=list)

    @property
    def errors(self) -> list[CheckItem]:
        """The items that must be fixed."""
        return [item for item in self.items if item.severity == "error"]

    @property
    def warnings(self) -> list[CheckItem]:
        """The items that probably should be fixed."""
        return [item for item in self.items if item.severity == "warning"]


# Fields that make an assistant complete, with their weight in the score.
_COMPLETENESS: tuple[tuple[str, int], ...] = (
    ("business.industry", 3),
    ("business.target_audience", 6),
    ("business.primary_objectives", 10),
    ("business.success_metrics", 4),
    ("business.compliance_requirements", 3),
    ("business.user_journeys", 4),
    ("persona.role", 4),
    ("persona.personality_traits", 5),
    ("persona.expertise_areas", 6),
    ("persona.greetings", 6),
    ("persona.farewells", 4),
    ("persona.escalation_triggers", 10),
    ("persona.forbidden_topics", 5),
    ("persona.response_guidelines", 8),
    ("brand_voice.voice_attributes", 7),
    ("brand_voice.tone_guidelines", 5),
    ("brand_voice.vocabulary", 3),
    ("brand_voice.forbidden_phrases", 3),
    ("brand_voice.brand_values", 4),
)


def _value(config: AssistantConfig, path: str) -> object:
    value: object = config
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _completeness(config: AssistantConfig) -> int:
    total = sum(weight for _, weight in _COMPLETENESS)
    filled = sum(weight for path, weight in _COMPLETENESS if _value(config, path))
    return round(100 * filled / total)


def _contains(text: str, phrase: str) -> bool:
    return phrase.casefold() in text.casefold()


def check_config(config: AssistantConfig) -> ConfigCheck:
    """Score how complete `config` is and list concrete problems, most severe first."""
    items: list[CheckItem] = []

    def add(severity: Severity, path: str, message: str) -> None:
        items.append(CheckItem(severity, path, message))

    business, persona, voice = config.business, config.persona, config.brand_voice

    if not business.primary_objectives:
        add(
            "warning",
            "business.primary_objectives",
            "Add at least one primary objective so the assistant knows what it is for.",
        )
    if not business.target_audience:
        add("info", "business.target_audience", "Describe who the assistant talks to.")
    if not persona.escalation_triggers:
        add(
            "warning",
            "persona.escalation_triggers",
            "No escalation triggers: say when the "
            "assistant must hand over to a person (e.g. legal threats, repeated failures).",
        )
    if not persona.greetings:
        add(
            "info",
            "persona.greetings",
            "No greeting: add one so conversations start in your voice.",
        )
    if not persona.farewells:
        add("info", "persona.farewells", "No farewell: add one so conversations end in your voice.")
    if not voice.voice_attributes:
        add(
            "info",
            "brand_voice.voice_attributes",
            "Describe the brand voice in a few words (e.g. warm, concise, expert).",
        )

    for kind, lines in (("greetings", persona.greetings), ("farewells", persona.farewells)):
        for index, line in enumerate(lines, start=1):
            for phrase in voice.forbidden_phrases:
                if _contains(line, phrase):
                    add(
                        "error",
                        f"persona.{kind}[{index}]",
                        f"Uses the forbidden phrase "
                        f'"{phrase}" (brand voice). Reword it or remove the phrase from the list.',
                    )
            for rule in voice.vocabulary:
                if rule.avoid and _contains(line, rule.avoid):
                    add(
                        "warning",
                        f"persona.{kind}[{index}]",
                        f'Uses "{rule.avoid}", which '
                        "the brand vocabulary says to avoid"
                        + (f' (say "{rule.prefer}").' if rule.prefer else "."),
                    )

    attributes = [a.casefold() for a in voice.voice_attributes]
    casual = [a for a in attributes if any(word in a for word in CASUAL_ATTRIBUTES)]
    formal = [a for a in attributes if any(word in a for word in FORMAL_ATTRIBUTES)]
    formal = [a for a in formal if "informal" not in a]
    if casual and persona.formality >= 80:
        add(
            "warning",
            "persona.formality",
            f"Formality is {persona.formality} (very formal) but "
            f"the brand voice is {', '.join(casual)}: lower the slider or change the voice.",
        )
    if formal and persona.formality <= 20:
        add(
            "warning",
            "persona.formality",
            f"Formality is {persona.formality} (very casual) but "
            f"the brand voice is {', '.join(formal)}: raise the slider or change the voice.",
        )
    if persona.humor >= 60 and business.compliance_requirements:
        add(
            "info",
            "persona.humor",
            "Humour is high for an assistant with compliance rules; "
            "check it suits sensitive conversations.",
        )

    areas = {a.casefold() for a in persona.expertise_areas}
    for index, topic in enumerate(persona.forbidden_topics, start=1):
        if topic.casefold() in areas:
            add(
                "error",
                f"persona.forbidden_topics[{index}]",
                f'"{topic}" is both a forbidden '
                "topic and an area of expertise: remove it from one of the lists.",
            )

    for index, tool in enumerate(config.tools, start=1):
        prefix = f"tools[{index}]"
        for problem in validate_tool(tool, prefix=prefix):
            add("error", problem.field, problem.message)
        if not tool.description:
            add(
                "warning",
                f"{prefix}.description",
                f'Tool "{tool.name}" has no description: '
                "the model uses it to decide when to call the tool.",
            )
        properties = tool.parameters.get("properties", {})
        if isinstance(properties, dict):
            for name, spec in properties.items():
                if isinstance(spec, dict) and not spec.get("description"):
                    add(
                        "warning",
                        f"{prefix}.parameters",
                        f'Parameter "{name}" of tool '
                        f'"{tool.name}" has no description: say what value the model must '
                        "pass.",
                    )
    if config.tools and not any(tool.enabled for tool in config.tools):
        add("info", "tools", "All tools are disabled: the assistant cannot call any of them.")

    order = {"error": 0, "warning": 1, "info": 2}
    items.sort(key=lambda item: order[item.severity])  # stable: keeps field order within a level
    errors = sum(1 for item in items if item.severity == "error")
    score = max(0, min(100, _completeness(config) - ERROR_PENALTY * errors))
    return ConfigCheck(score=score, items=items)
