"""Text that is valid Unicode: Python strings can hold lone surrogates (a broken client, a bad
decode) that every encoder downstream (SQL drivers, JSON, the tokenizer) refuses."""

from __future__ import annotations


def valid_unicode(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (a surrogate pair is joined)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text
