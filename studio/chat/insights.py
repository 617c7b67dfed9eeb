"""Input limits, topic matching and reply lint (brand voice, escalation) for a turn."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from studio.chat.tagging import cue_pattern
from studio.core.errors import InvalidInput
from studio.core.surrogates import valid_unicode

MAX_MESSAGE_CHARS = 4000


def check_message(message: str, *, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """The message stripped (a lone surrogate becomes U+FFFD). Raises InvalidInput if it is empty
    or longer than `max_chars`."""
    text = valid_unicode(message).strip()
    if not text:
        raise InvalidInput("Type a message first.")
    if len(text) > max_chars:
        raise InvalidInput(
            f"The message has {len(text):,} characters; the limit is {max_chars:,}. "
            "Shorten it or split it into several messages."
        )
    return text


STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "for",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "about",
        "into",
        "over",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "my",
        "your",
        "our",
        "their",
        "its",
        "it",
        "this",
        "that",
        "these",
        "those",
        "i",
        "you",
        "we",
        "they",
        "me",
        "us",
        "them",
        "any",
        "some",
        "no",
        "not",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "have",
        "has",
        "had",
        "please",
    ]
)


# Words every trigger or topic uses ("the customer asks…") that say nothing about the subject.
TOPIC_NOISE = frozenset({"customer", "user", "ask", "mention", "want", "person"})


def content_words(text: str) -> list[str]:
    """Lower-case words without stop words, crudely stemmed ("returns" → "return")."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return [_stem(w) for w in words if w not in STOP_WORDS and len(w) > 1]


def _stem(word: str) -> str:
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    # "receive" and "received" must meet: drop a final e as well.
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def mentions_topic(text: str, topic: str) -> bool:
    """True if `text` talks about `topic`: 60 % or more of the topic's content words appear.

    ("competitor prices" needs both words, so a plain price question is not refused.)
    """
    topic_words = set(content_words(topic)) - TOPIC_NOISE
    if not topic_words:
        return False
    present = topic_words & set(content_words(text))
    return len(present) >= max(1, math.ceil(0.6 * len(topic_words)))


# "I will connect you" escalates; "I can connect you if you like" only offers to.
ESCALATION_PHRASES = cue_pattern(
    r"\b(?:i will|i'll|let me|going to) connect you with\b",
    r"\bhand(?:ing)? (?:you |this )?over\b",
    r"\bescalat(?:e|ing) (?:this|your)",
    r"\btransfer(?:ring)? you\b",
)
HUMAN_REQUEST = cue_pattern(
    r"\b(?:talk|speak|chat) (?:to|with) (?:a |an )?(?:human|person|agent|"
    r"representative|manager|someone)",
    r"\breal person\b",
    r"\bhuman agent\b",
)


def asks_for_human(message: str) -> bool:
    """True if the user explicitly asks for a person."""
    return bool(HUMAN_REQUEST.search(message))


def reply_escalates(reply: str) -> bool:
    """True if a reply hands the conversation over to a person."""
    return bool(ESCALATION_PHRASES.search(reply))


def lint_reply(
    reply: str, *, forbidden_phrases: Iterable[str], forbidden_topics: Iterable[str]
) -> list[str]:
    """Lint flags: "phrase:<p>" per forbidden brand phrase, "topic:<t>" per forbidden topic."""
    flags: list[str] = []
    lowered = reply.lower()
    for phrase in forbidden_phrases:
        p = phrase.strip().lower()
        if p and re.search(rf"(?<!\w){re.escape(p)}(?!\w)", lowered):
            flags.append(f"phrase:{phrase.strip()}")
    for topic in forbidden_topics:
        if topic.strip() and mentions_topic(reply, topic):
            flags.append(f"topic:{topic.strip()}")
    return flags
