"""Text as the tagging rules read it, and the compiled cue patterns the rule tables are made of."""

from __future__ import annotations

import html
import re


def cue_pattern(*patterns: str, ignore_case: bool = True) -> re.Pattern[str]:
    """One (case-insensitive, unless told) pattern that matches any of `patterns`.

    The word boundary most cues start with is tested once, ahead of the alternatives, so the
    alternatives are only tried at the start of a word (several times faster on long text).
    """
    at_word = [p.removeprefix(r"\b") for p in patterns if p.startswith(r"\b")]
    others = [rf"(?:{p})" for p in patterns if not p.startswith(r"\b")]
    parts = [r"\b(?:" + "|".join(rf"(?:{p})" for p in at_word) + ")"] if at_word else []
    return re.compile("|".join(parts + others), re.IGNORECASE if ignore_case else 0)


def lower_cues(*patterns: str) -> re.Pattern[str]:
    """`cue_pattern` for text already lower-cased: matching without IGNORECASE is ~2x faster."""
    return cue_pattern(*patterns, ignore_case=False)


# Messy real text: HTML entities from exports, curly quotes from phones, links and @handles that
# must not trigger a rule (an "@cancel_bot" handle is no cancellation).
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w.])@\w+|\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_TAG = re.compile(r"</?[a-z][a-z0-9]{0,9}(?:\s[^<>]{0,80})?/?>", re.IGNORECASE)  # <b>, <br/>
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
MAX_TAGGED_CHARS = 4000  # tag the start of a very long message: bounded work per message


def normalize(message: str) -> str:
    """`message` as the rules read it: entities decoded, quotes straightened, links and
    @handles removed, whitespace collapsed."""
    text = html.unescape(message[: MAX_TAGGED_CHARS * 2]).translate(_QUOTES)
    text = _TAG.sub(" ", _HANDLE.sub(" ", _URL.sub(" ", text)))
    return " ".join(text.split())[:MAX_TAGGED_CHARS]
