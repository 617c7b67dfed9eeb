"""Intent / emotion / urgency tags for user messages.

Two offline taggers, both deterministic for a given message:
- ``classify``: the rule tables (studio.chat.intent_rules, studio.chat.mood_rules), microseconds
  per message; the simulator, tool matching and demo traffic steer by it.
- ``tag`` / ``tag_many``: what turns and imports store. By default ("embedding") the intent comes
  from labelled examples scored on the built-in MiniLM vector, the rules tipping close calls
  (studio.chat.intent_model); emotion and urgency stay rules. ``STUDIO_TAGGER=rules`` stores the
  rules' tags instead. Every ``Tags`` says which tagger chose it (``tagger``).
Tagging with the configured chat model (optional, off by default) is studio.chat.model_tagging.
Accuracy of each: tests/benchmarks/bench_tagging.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from studio.chat.cues import MAX_TAGGED_CHARS, cue_pattern, lower_cues, normalize
from studio.chat.intent_rules import rule_intent, sarcastic, settled_by_rules
from studio.chat.mood_rules import rule_mood
from studio.chat.tag_labels import (
    EMBEDDING,
    MODEL_PREFIX,
    NEGATIVE_EMOTIONS,
    RULES,
    Emotion,
    Intent,
    Tags,
    Urgency,
    tagger_caption,
)
from studio.core.config import Settings, get_settings
from studio.core.errors import KnowledgeError

if TYPE_CHECKING:
    from studio.chat.intent_model import IntentModel

__all__ = [
    "EMBEDDING", "MAX_TAGGED_CHARS", "MODEL_PREFIX", "NEGATIVE_EMOTIONS", "RULES", "Emotion",
    "Intent", "Tags", "Urgency", "classify", "cue_pattern", "lower_cues", "normalize", "tag",
    "tag_many", "tagger_caption",
]  # fmt: skip


def _rule_tags(text: str) -> Tags:
    irony = sarcastic(text)
    intent = rule_intent(text, irony=irony)
    emotion, urgency = rule_mood(text, intent, irony=irony)
    return Tags(intent=intent, emotion=emotion, urgency=urgency, tagger=RULES)


def classify(message: str) -> Tags:
    """Tag one user message with the rules alone (deterministic, microseconds)."""
    return _rule_tags(normalize(message).lower())


def tag_many(
    messages: Sequence[str],
    *,
    settings: Settings | None = None,
    model: IntentModel | None = None,
) -> list[Tags]:
    """Tags to store for each message, with the configured offline tagger; the messages that
    need the embedding are embedded in one batch (an import passes thousands at once).
    `model` replaces the shipped intent model (the benchmark's leave-one-out fits)."""
    settings = settings or get_settings()
    texts = [normalize(m).lower() for m in messages]
    tags = [_rule_tags(t) for t in texts]
    if settings.tagger == RULES:
        return tags
    from studio.chat import intent_model

    model = model or intent_model.get_model(settings)
    asked = [n for n, t in enumerate(texts) if t and not settled_by_rules(t)]
    try:
        scores = model.scores([texts[n] for n in asked]) if model and asked else None
    except KnowledgeError:
        model = None  # the model file is there but will not run: the same for every message
    if model is None:
        return tags  # the built-in embedding cannot run here: the rules' tags, marked so
    tags = [t.model_copy(update={"tagger": EMBEDDING}) for t in tags]
    for row, n in zip(scores if scores is not None else (), asked, strict=True):
        rule = tags[n].intent
        intent = intent_model.choose(row, rule)
        if intent is not rule:
            emotion, urgency = rule_mood(texts[n], intent, irony=sarcastic(texts[n]))
            tags[n] = Tags(intent=intent, emotion=emotion, urgency=urgency, tagger=EMBEDDING)
    return tags


def tag(message: str, *, settings: Settings | None = None) -> Tags:
    """Tags to store for one message (see `tag_many`)."""
    return tag_many([message], settings=settings)[0]
