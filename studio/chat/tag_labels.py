"""The fixed label set of message tags (intent, emotion, urgency) and which tagger chose them."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Intent(StrEnum):
    GREETING = "greeting"
    CANCELLATION = "cancellation"
    COMPLAINT = "complaint"
    SUPPORT_REQUEST = "support_request"
    PROBLEM_SOLVING = "problem_solving"
    COMPARISON = "comparison"
    PURCHASE_INTENT = "purchase_intent"
    INFORMATION_SEEKING = "information_seeking"
    FAREWELL = "farewell"
    OTHER = "other"


class Emotion(StrEnum):
    ANGRY = "angry"
    FRUSTRATED = "frustrated"
    WORRIED = "worried"
    CONFUSED = "confused"
    HAPPY = "happy"
    NEUTRAL = "neutral"


class Urgency(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


NEGATIVE_EMOTIONS = frozenset(
    {Emotion.ANGRY, Emotion.FRUSTRATED, Emotion.WORRIED, Emotion.CONFUSED}
)


RULES = "rules"
EMBEDDING = "embedding"
MODEL_PREFIX = "model:"  # "model:<model name>": tagged by the configured chat model


class Tags(BaseModel):
    intent: Intent
    emotion: Emotion
    urgency: Urgency
    # Which tagger chose these tags: "rules", "embedding" (the intent; emotion and urgency
    # always come from rules) or "model:<name>". Stored with each turn and shown with its tags.
    tagger: str = Field(default=RULES, max_length=80)


def tagger_caption(tagger: str | None) -> str:
    """How the UI says which tagger chose a message's tags."""
    if not tagger or tagger == RULES:
        return "tagged by rules"
    if tagger == EMBEDDING:
        return "tagged by examples + rules"
    if tagger.startswith(MODEL_PREFIX):
        return f"tagged by model {tagger.removeprefix(MODEL_PREFIX)}"
    return f"tagged by {tagger}"
