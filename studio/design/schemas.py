"""The assistant's configuration: one validated, versioned pydantic document.

A draft and every saved version hold one `AssistantConfig` as JSON. Field limits here are the
limits the forms enforce, so a message from validation can be shown next to the field.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from studio.core.names import normalize_name

SCHEMA_VERSION: Literal[1] = 1
"""Version of the configuration document; bumped (with a migration) when its shape changes."""

SHORT_TEXT = 120
MEDIUM_TEXT = 500
LONG_TEXT = 2000
MAX_ITEMS = 30
MAX_TOOLS = 20


def _name_form(value: Any) -> Any:
    # Short one-line texts (names above all) are compared and shown: one normal form for them.
    return normalize_name(value) if isinstance(value, str) else value


ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=SHORT_TEXT),
    BeforeValidator(_name_form),  # listed last so it runs first, before the length checks
]
MediumText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MEDIUM_TEXT)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=LONG_TEXT)]
RequiredName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=SHORT_TEXT),
    BeforeValidator(_name_form),
]
Slider = Annotated[int, Field(ge=0, le=100)]

ShortList = Annotated[list[ShortText], Field(max_length=MAX_ITEMS)]
MediumList = Annotated[list[MediumText], Field(max_length=MAX_ITEMS)]

TOOL_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
TOOL_NAME_RE = re.compile(TOOL_NAME_PATTERN)


def _drop_blank(items: list[str]) -> list[str]:
    """Lists edited in a table or text area come with empty rows; they mean nothing."""
    return [item for item in items if item]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class AssistantType(StrEnum):
    CUSTOMER_SUPPORT = "customer_support"
    SALES = "sales"
    TECHNICAL_SUPPORT = "technical_support"
    ONBOARDING_GUIDE = "onboarding_guide"
    PRODUCT_ADVISOR = "product_advisor"
    BILLING = "billing"
    APPOINTMENT_SCHEDULER = "appointment_scheduler"
    GENERAL = "general"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


INDUSTRIES: tuple[str, ...] = (
    "E-commerce & retail",
    "SaaS & software",
    "Financial services",
    "Insurance",
    "Healthcare",
    "Telecommunications",
    "Travel & hospitality",
    "Education",
    "Manufacturing",
    "Logistics",
    "Public sector",
    "Utilities & energy",
)
"""Suggested industries; any other text is allowed (the form offers "Other…")."""


class CommunicationStyle(StrEnum):
    PROFESSIONAL = "professional"
    FRIENDLY = "friendly"
    TECHNICAL = "technical"
    CASUAL = "casual"
    EMPATHETIC = "empathetic"


class ExpertiseLevel(StrEnum):
    GENERALIST = "generalist"
    SPECIALIST = "specialist"
    EXPERT = "expert"


class ErrorHandlingStyle(StrEnum):
    APOLOGETIC = "apologetic"
    SOLUTION_FIRST = "solution_first"
    TRANSPARENT = "transparent"
    ESCALATE_EARLY = "escalate_early"


class UserJourney(_Doc):
    name: RequiredName
    segment: ShortText = ""
    stages: ShortList = Field(default_factory=list)
    success_criteria: MediumList = Field(default_factory=list)
    escalation_paths: MediumList = Field(default_factory=list)

    _clean = field_validator("stages", "success_criteria", "escalation_paths")(_drop_blank)


class BusinessRequirements(_Doc):
    company_name: RequiredName
    industry: ShortText = ""
    assistant_type: AssistantType = AssistantType.CUSTOMER_SUPPORT
    target_audience: MediumText = ""
    primary_objectives: MediumList = Field(default_factory=list)
    success_metrics: MediumList = Field(default_factory=list)
    compliance_requirements: MediumList = Field(default_factory=list)
    integration_needs: ShortList = Field(default_factory=list)
    user_journeys: Annotated[list[UserJourney], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list
    )

    _clean = field_validator(
        "primary_objectives", "success_metrics", "compliance_requirements", "integration_needs"
    )(_drop_blank)


SLIDERS: tuple[str, ...] = ("empathy", "formality", "proactivity", "verbosity", "humor")
"""The persona sliders, in the order the form shows them (0–100 each)."""


class Persona(_Doc):
    name: RequiredName = "Alex"
    role: ShortText = "Customer support assistant"
    communication_style: CommunicationStyle = CommunicationStyle.FRIENDLY
    expertise_level: ExpertiseLevel = ExpertiseLevel.SPECIALIST
    personality_traits: ShortList = Field(default_factory=list)
    expertise_areas: ShortList = Field(default_factory=list)
    languages: ShortList = Field(default_factory=lambda: ["English"])
    empathy: Slider = 60
    formality: Slider = 50
    proactivity: Slider = 50
    verbosity: Slider = 40
    humor: Slider = 10
    greetings: MediumList = Field(default_factory=list)
    farewells: MediumList = Field(default_factory=list)
    escalation_triggers: MediumList = Field(default_factory=list)
    forbidden_topics: ShortList = Field(default_factory=list)
    response_guidelines: MediumList = Field(default_factory=list)
    error_handling_style: ErrorHandlingStyle = ErrorHandlingStyle.SOLUTION_FIRST

    _clean = field_validator(
        "personality_traits",
        "expertise_areas",
        "languages",
        "greetings",
        "farewells",
        "escalation_triggers",
        "forbidden_topics",
        "response_guidelines",
    )(_drop_blank)


TONE_CONTEXTS: tuple[str, ...] = (
    "support",
    "sales",
    "technical",
    "complaint",
    "onboarding",
    "billing",
)
"""Suggested contexts for tone guidelines; others are allowed."""


class VocabularyRule(_Doc):
    """Say `prefer` instead of `avoid` (either may be empty: a word to favour, or to shun)."""

    prefer: ShortText = ""
    avoid: ShortText = ""

    @model_validator(mode="after")
    def _not_empty(self) -> VocabularyRule:
        if not self.prefer and not self.avoid:
            raise ValueError("give a word to prefer, a word to avoid, or both")
        return self


class BrandVoice(_Doc):
    brand_name: ShortText = ""
    voice_attributes: ShortList = Field(default_factory=list)
    tone_guidelines: Annotated[dict[ShortText, MediumText], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=dict
    )
    vocabulary: Annotated[list[VocabularyRule], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list
    )
    forbidden_phrases: ShortList = Field(default_factory=list)
    brand_values: ShortList = Field(default_factory=list)
    messaging_pillars: MediumList = Field(default_factory=list)
    competitive_differentiation: MediumList = Field(default_factory=list)
    cultural_sensitivity: MediumList = Field(default_factory=list)

    _clean = field_validator(
        "voice_attributes",
        "forbidden_phrases",
        "brand_values",
        "messaging_pillars",
        "competitive_differentiation",
        "cultural_sensitivity",
    )(_drop_blank)

    @field_validator("tone_guidelines")
    @classmethod
    def _drop_blank_tones(cls, value: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in value.items() if k and v}


def _empty_object_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {}, "required": []}


class ToolSpec(_Doc):
    """A function the assistant may call. `parameters` is a JSON Schema of the arguments object.

    `mock_response` is JSON text returned by the preview instead of a real call; ``{{arg}}``
    placeholders are replaced by the call's arguments (see `studio.design.tools`).
    Deep checks (meta-schema, mock JSON) live in `studio.design.tools.validate_tool`.
    """

    name: Annotated[str, StringConstraints(strip_whitespace=True, pattern=TOOL_NAME_PATTERN)]
    description: MediumText = ""
    parameters: dict[str, Any] = Field(default_factory=_empty_object_schema)
    enabled: bool = True
    mock_response: Annotated[str, StringConstraints(max_length=LONG_TEXT * 5)] = "{}"

    @property
    def required(self) -> list[str]:
        """Names of the required parameters, as the schema lists them."""
        required = self.parameters.get("required", [])
        return [str(r) for r in required] if isinstance(required, list) else []

    @field_validator("parameters")
    @classmethod
    def _object_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("type", "object") != "object":
            raise ValueError('the parameters schema must have "type": "object"')
        if len(json.dumps(value)) > LONG_TEXT * 10:
            raise ValueError("the parameters schema is too large (20,000 characters at most)")
        return value


class ModelSettings(_Doc):
    model: ShortText = "gpt-4o-mini"
    temperature: Annotated[float, Field(ge=0.0, le=2.0)] = 0.3
    max_output_tokens: Annotated[int, Field(ge=1, le=32_000)] = 600


class GroundingMode(StrEnum):
    STRICT = "strict"
    BLENDED = "blended"


class RetrievalSettings(_Doc):
    enabled: bool = True
    top_k: Annotated[int, Field(ge=1, le=20)] = 4
    score_threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.35
    grounding_mode: GroundingMode = GroundingMode.BLENDED
    hybrid: bool = True
    # 0.1 scored best on the labelled demo questions (bench_retrieval_quality.py): hit@1 0.94 vs
    # 0.90 for vector-only and 0.78 for keyword-only.
    keyword_weight: Annotated[float, Field(ge=0.0, le=1.0)] = 0.1


class AssistantConfig(_Doc):
    """Everything that defines one assistant's behaviour; what a version freezes."""

    schema_version: Literal[1] = SCHEMA_VERSION
    business: BusinessRequirements
    persona: Persona = Field(default_factory=Persona)
    brand_voice: BrandVoice = Field(default_factory=BrandVoice)
    tools: Annotated[list[ToolSpec], Field(max_length=MAX_TOOLS)] = Field(default_factory=list)
    model: ModelSettings = Field(default_factory=ModelSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)

    @model_validator(mode="after")
    def _unique_tool_names(self) -> AssistantConfig:
        seen: set[str] = set()
        for tool in self.tools:
            key = tool.name.lower()
            if key in seen:
                raise ValueError(f'two tools are named "{tool.name}": tool names must be unique')
            seen.add(key)
        return self

    def canonical_json(self) -> str:
        """Stable JSON (sorted keys) used for hashing, diffing and storage."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)


def blank_config(*, company_name: str) -> AssistantConfig:
    """A minimal valid configuration for an assistant started from scratch."""
    return AssistantConfig(business=BusinessRequirements(company_name=company_name))
