"""Intent / emotion / urgency tags for user messages, input limits, and reply lint.

A fast deterministic classifier (keyword and pattern rules, checked in priority order) so every
turn is tagged in microseconds without a model; the rules are tables, so tests read like specs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel

from studio.core.errors import InvalidInput

MAX_MESSAGE_CHARS = 4000


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


class Tags(BaseModel):
    intent: Intent
    emotion: Emotion
    urgency: Urgency


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(rf"(?:{p})" for p in patterns), re.IGNORECASE)


# Checked in this order; the first match wins (a cancellation phrased as a question is still one).
INTENT_RULES: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (
        Intent.CANCELLATION,
        _rx(
            r"\bcancel",
            r"\bunsubscribe",
            r"\bclose (?:my|the) account",
            r"\bterminate",
            r"\bend (?:my|the) (?:subscription|contract|plan)",
        ),
    ),
    (
        Intent.COMPLAINT,
        _rx(
            r"\bcomplain",
            r"\bunacceptable",
            r"\bterrible",
            r"\bawful",
            r"\bworst\b",
            r"\bdisappoint",
            r"\bridiculous",
            r"\bscam\b",
            r"\bnever again\b",
            r"\bpoor service",
        ),
    ),
    (
        Intent.COMPARISON,
        _rx(
            r"\bcompare",
            r"\bcomparison",
            r"\bvs\.?\b",
            r"\bversus\b",
            r"\bdifference between",
            r"\bbetter than",
            r"\balternative",
        ),
    ),
    (
        Intent.PROBLEM_SOLVING,
        _rx(
            r"\bnot working",
            r"\bdoesn'?t work",
            r"\bwon'?t\b",
            r"\bcan'?t\b",
            r"\bcannot\b",
            r"\berror\b",
            r"\bbroken",
            r"\bfail",
            r"\bcrash",
            r"\bbug\b",
            r"\bstuck\b",
            r"\bissue\b",
            r"\bproblem",
            r"\btroubleshoot",
            r"\bnot (?:loading|syncing)",
        ),
    ),
    (
        Intent.SUPPORT_REQUEST,
        _rx(
            r"\bwhere is my",
            r"\btrack",
            r"\breturn (?:my|an?|this|order|it)\b",
            r"\brefund",
            r"\breset",
            r"\bbook\b",
            r"\bappointment",
            r"\brefill",
            r"\bhelp me\b",
            r"\bi need\b",
            r"\bstatus of",
            r"\border\s*#?\w*\d",
            r"\bchange my",
            r"\bupdate my",
        ),
    ),
    (
        Intent.PURCHASE_INTENT,
        _rx(
            r"\bbuy\b",
            r"\bpurchase",
            r"\bpricing\b",
            r"\bprice\b",
            r"\bquote\b",
            r"\bhow much",
            r"\bupgrade",
            r"\bsubscribe\b",
            r"\bdemo\b",
            r"\btrial\b",
            r"\bsign up",
        ),
    ),
    (Intent.FAREWELL, _rx(r"^\s*(?:bye|goodbye|thanks?,? bye|see you|that'?s all)\b")),
    (
        Intent.INFORMATION_SEEKING,
        _rx(
            r"\?\s*$",
            r"^\s*(?:what|how|when|where|why|which|who|"
            r"do|does|is|are|can|could|will)\b",
            r"\btell me",
            r"\bexplain",
            r"\binfo",
        ),
    ),
)
GREETING = _rx(
    r"^\s*(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|greetings)"
    r"(?:\s+(?:there|team|all))?\s*[!.,]*\s*$"
)

EMOTION_RULES: tuple[tuple[Emotion, re.Pattern[str]], ...] = (
    (
        Emotion.ANGRY,
        _rx(
            r"\bangry\b",
            r"\bfurious",
            r"\boutrage",
            r"\bunacceptable",
            r"\bridiculous",
            r"\bscam\b",
            r"\bwtf\b",
            r"\bsue\b",
            r"\blawyer",
            r"!!+",
            r"\bworst\b",
        ),
    ),
    (
        Emotion.FRUSTRATED,
        _rx(
            r"\bfrustrat",
            r"\bannoy",
            r"\bagain\b",
            r"\bstill\b",
            r"\bfed up",
            r"\bwaste of time",
            r"\bthird time",
            r"\bseriously\b",
            r"\bnot working",
            r"\bdoesn'?t work",
        ),
    ),
    (
        Emotion.WORRIED,
        _rx(
            r"\bworr",
            r"\bconcern",
            r"\banxious",
            r"\bafraid",
            r"\bscared",
            r"\bnervous",
            r"\bhacked",
            r"\bfraud",
            r"\bstolen",
        ),
    ),
    (
        Emotion.CONFUSED,
        _rx(
            r"\bconfus",
            r"\bdon'?t understand",
            r"\bunclear",
            r"\bnot sure",
            r"\bwhat does .* mean",
            r"\bhow come",
            r"\bi'?m lost",
            r"\?\?+",
        ),
    ),
    (
        Emotion.HAPPY,
        _rx(
            r"\bthank",
            r"\bgreat\b",
            r"\bawesome",
            r"\blove\b",
            r"\bperfect\b",
            r"\bexcellent",
            r"\bappreciate",
            r":\)|😊|🙂",
        ),
    ),
)

URGENCY_RULES: tuple[tuple[Urgency, re.Pattern[str]], ...] = (
    (
        Urgency.CRITICAL,
        _rx(
            r"\bemergency",
            r"\bchest pain",
            r"\bcan'?t breathe",
            r"\bfraud",
            r"\bhacked",
            r"\bstolen",
            r"\bdata (?:breach|leak)",
            r"\boutage",
            r"\bproduction (?:is )?down",
            r"\blife[- ]threatening",
            r"\bsuicid",
        ),
    ),
    (
        Urgency.HIGH,
        _rx(
            r"\burgent",
            r"\basap\b",
            r"\bimmediately",
            r"\bright now",
            r"\btoday\b",
            r"\bdeadline",
            r"\bcan'?t (?:log ?in|access|pay)",
            r"\blocked out",
            r"\bcharged twice",
            r"\bdouble charged",
        ),
    ),
    (
        Urgency.MEDIUM,
        _rx(
            r"\bsoon\b",
            r"\btomorrow",
            r"\bthis week",
            r"\bnot working",
            r"\berror\b",
            r"\bbroken",
            r"\brefund",
            r"\bwhere is my",
        ),
    ),
)


def classify(message: str) -> Tags:
    """Tag one user message with intent, emotion and urgency (deterministic, microseconds)."""
    text = message.strip()
    if GREETING.match(text):
        intent = Intent.GREETING
    else:
        intent = next((i for i, rx in INTENT_RULES if rx.search(text)), Intent.OTHER)
    emotion = next((e for e, rx in EMOTION_RULES if rx.search(text)), Emotion.NEUTRAL)
    urgency = next((u for u, rx in URGENCY_RULES if rx.search(text)), Urgency.LOW)
    if urgency is Urgency.LOW and emotion is Emotion.ANGRY:
        urgency = Urgency.MEDIUM  # an angry customer is never a low priority
    return Tags(intent=intent, emotion=emotion, urgency=urgency)


def check_message(message: str, *, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """The message stripped. Raises InvalidInput if it is empty or longer than `max_chars`."""
    text = message.strip()
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
ESCALATION_PHRASES = _rx(
    r"\b(?:i will|i'll|let me|going to) connect you with\b",
    r"\bhand(?:ing)? (?:you |this )?over\b",
    r"\bescalat(?:e|ing) (?:this|your)",
    r"\btransfer(?:ring)? you\b",
)
HUMAN_REQUEST = _rx(
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
