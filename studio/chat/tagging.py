"""Intent / emotion / urgency tags for user messages: fast deterministic rules, no model.

Keyword and pattern rules, checked in priority order, so every turn is tagged in microseconds;
the rules are tables, so tests read like specs.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel


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


def cue_pattern(*patterns: str) -> re.Pattern[str]:
    """One case-insensitive pattern that matches any of `patterns`."""
    return re.compile("|".join(rf"(?:{p})" for p in patterns), re.IGNORECASE)


# Checked in this order; the first match wins (a cancellation phrased as a question is still one).
INTENT_RULES: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (
        Intent.CANCELLATION,
        cue_pattern(
            r"\bcancel",
            r"\bunsubscribe",
            r"\bclose (?:my|the) account",
            r"\bterminate",
            r"\bend (?:my|the) (?:subscription|contract|plan)",
        ),
    ),
    (
        Intent.COMPLAINT,
        cue_pattern(
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
        cue_pattern(
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
        cue_pattern(
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
        cue_pattern(
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
        cue_pattern(
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
    (Intent.FAREWELL, cue_pattern(r"^\s*(?:bye|goodbye|thanks?,? bye|see you|that'?s all)\b")),
    (
        Intent.INFORMATION_SEEKING,
        cue_pattern(
            r"\?\s*$",
            r"^\s*(?:what|how|when|where|why|which|who|"
            r"do|does|is|are|can|could|will)\b",
            r"\btell me",
            r"\bexplain",
            r"\binfo",
        ),
    ),
)
GREETING = cue_pattern(
    r"^\s*(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|greetings)"
    r"(?:\s+(?:there|team|all))?\s*[!.,]*\s*$"
)

EMOTION_RULES: tuple[tuple[Emotion, re.Pattern[str]], ...] = (
    (
        Emotion.ANGRY,
        cue_pattern(
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
        cue_pattern(
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
        cue_pattern(
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
        cue_pattern(
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
        cue_pattern(
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
        cue_pattern(
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
        cue_pattern(
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
        cue_pattern(
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
