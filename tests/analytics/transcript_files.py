"""Transcript files for the import tests: valid JSONL and CSV, and the ways real files go wrong."""

from __future__ import annotations

import json
from typing import Any


def conversation(
    cid: str, *texts: str, timestamps: list[str | None] | None = None, **extra: Any
) -> dict[str, Any]:
    """A conversation alternating user / assistant messages (`texts`), optional timestamps."""
    messages: list[dict[str, Any]] = []
    for index, text in enumerate(texts):
        message: dict[str, Any] = {
            "role": "user" if index % 2 == 0 else "assistant",
            "content": text,
        }
        if timestamps and index < len(timestamps) and timestamps[index] is not None:
            message["timestamp"] = timestamps[index]
        messages.append(message)
    return {"id": cid, "messages": messages, **extra}


def jsonl(*items: dict[str, Any] | str) -> bytes:
    """A JSONL file; a str item is written as the raw line (for malformed lines)."""
    lines = [
        item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in items
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


VALID = jsonl(
    conversation(
        "c-1",
        "Where is my order #1234?",
        "It ships tomorrow.",
        "This is unacceptable, it was due last week!!",
        "I am sorry, I will connect you with a colleague.",
        timestamps=["2026-11-30T09:00:00Z", "2026-11-30T09:00:05Z", "2026-11-30T09:01:00Z", None],
        started_at="2026-11-30T09:00:00Z",
        metadata={"channel": "web", "customer_tier": "gold"},
    ),
    conversation(
        "c-2",
        "I want to cancel my subscription",
        "Done, you will not be charged again.",
        timestamps=["2026-11-30T10:00:00+01:00", "2026-11-30T10:00:09+01:00"],
    ),
)

CSV = (
    b"conversation,sender,text,sent_at\n"
    b"t-1,user,Hi! My parcel &amp; invoice never came @shop https://ex.com/o/5,2026-11-30 08:00\n"
    b"t-1,assistant,Let me check that for you.,2026-11-30 08:00:04\n"
    b't-2,user,"I can\'t log in, it says error 500",2026-11-30T12:00:00+09:00\n'
    b"t-2,assistant,Try resetting your password.,2026-11-30T12:00:10+09:00\n"
    b"t-1,user,Thanks,2026-11-30 08:02\n"
)
