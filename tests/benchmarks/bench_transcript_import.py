"""Import 5,000 production conversations (JSONL, ~4 user messages each) into SQLite.

Run: python tests/benchmarks/bench_transcript_import.py [--conversations 5000] [--postgres]
Target: the studio's import (read, validate, tag every user message, lint every reply,
de-duplicate, write) takes <= 30 s. Baseline, measured in the same run: the same number of
session and turn rows written with one raw SQLAlchemy Core executemany per table into a fresh
database (no parsing, no validation, no tagging) — the floor any import has to pay.
A second import of the same file (everything already there) is timed too.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from studio.analytics import transcripts  # noqa: E402
from studio.core.db import make_engine, session_scope  # noqa: E402
from studio.core.models import ChatSession, Turn, TurnSource, TurnStatus  # noqa: E402
from studio.core.schema import upgrade_database  # noqa: E402
from studio.design import assistants  # noqa: E402

TARGET_SECONDS = 30.0
USER = [
    "Where is my order #{n}? It was due on Monday.",
    "I want to cancel my subscription &amp; get a refund",
    "@acme_help the app keeps crashing when I open the cart 😩 https://t.co/{n}",
    "Hi! Do you ship to Canada?",
    "This is unacceptable!! Third time I'm writing about invoice {n}",
    "How much is the premium plan for 20 seats?",
    "I can’t log in, it says my password is wrong",
    "Anna: did the parcel arrive?\nMe: no, tracking hasn't moved in 6 days",
    "Thanks, that's all. Bye!",
    "Someone took money from my account, I did not make these payments",
]
ASSISTANT = [
    "I'm sorry about that. Let me check order {n} for you.",
    "Done — you will not be charged again.",
    "Please update the app to the latest version and try again.",
    "Yes, we ship to Canada within 5–7 business days.",
    "I will connect you with a colleague who can help right away.",
]


def make_file(count: int, seed: int = 13) -> tuple[bytes, int]:
    """A JSONL export of `count` conversations, and how many user messages it holds."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    lines, users = [], 0
    for i in range(count):
        at = start + timedelta(minutes=rng.randint(0, 60 * 24 * 28))
        messages: list[dict[str, Any]] = []
        for _ in range(rng.randint(2, 6)):
            n = rng.randint(1000, 99999)
            at += timedelta(seconds=rng.randint(5, 300))
            messages.append(
                {
                    "role": "user",
                    "content": rng.choice(USER).format(n=n),
                    "timestamp": at.isoformat(),
                }
            )
            at += timedelta(seconds=rng.randint(2, 30))
            messages.append(
                {
                    "role": "assistant",
                    "content": rng.choice(ASSISTANT).format(n=n),
                    "timestamp": at.isoformat(),
                }
            )
            users += 1
        item = {
            "id": f"conv-{i:06d}",
            "messages": messages,
            "metadata": {"channel": rng.choice(["web", "whatsapp", "email"]), "csat": 4},
        }
        lines.append(json.dumps(item, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8"), users


def fresh(url: str) -> tuple[Any, int]:
    engine = make_engine(url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        detail = assistants.create_assistant(session=session, name="Bench", company_name="Acme")
    return engine, detail.id


def baseline(url: str, conversations: int, users: int) -> float:
    """Seconds to write as many session and turn rows with raw executemany."""
    engine, assistant_id = fresh(url)
    now = datetime.now(UTC)
    common = {
        "assistant_id": assistant_id,
        "version_number": None,
        "config_hash": "x" * 64,
        "source": TurnSource.IMPORT,
        "backend": "import",
        "model": "imported",
    }
    sessions = [
        {
            **common,
            "title": "Where is my order?",
            "started_at": now,
            "last_turn_at": now,
            "external_id": f"conv-{i:06d}",
            "content_hash": f"{i:064d}",
            "external_metadata": {"metadata": {"channel": "web"}, "extra": {}, "line": i},
        }
        for i in range(conversations)
    ]
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(insert(ChatSession.__table__), sessions)  # type: ignore[arg-type]
        ids = [row[0] for row in connection.exec_driver_sql("SELECT id FROM chatsession")]
        per = users // conversations + 1
        turns = [
            {
                **common,
                "session_id": ids[i % len(ids)],
                "created_at": now,
                "user_message": USER[i % len(USER)],
                "reply": ASSISTANT[i % len(ASSISTANT)],
                "status": TurnStatus.OK,
                "error": None,
                "ttft_ms": None,
                "latency_ms": None,
                "prompt_tokens": 0,
                "completion_tokens": 0,
                "cost_usd": 0.0,
                "intent": "other",
                "emotion": "neutral",
                "urgency": "low",
                "lint_flags": [],
                "grounded": None,
                "escalated": False,
                "retrieved": [],
                "tool_calls": [],
                "messages": [{"role": "user", "content": USER[0]}] * 2,
            }
            for i in range(users)
        ]
        connection.execute(insert(Turn.__table__), turns)  # type: ignore[arg-type]
    del per
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def studio_import(url: str, content: bytes) -> tuple[float, float, transcripts.TranscriptImport]:
    """Seconds for the studio's import, seconds for importing the same file again, the report."""
    engine, assistant_id = fresh(url)
    steps: list[str] = []
    started = time.perf_counter()
    with session_scope(engine) as session:
        report = transcripts.import_transcripts(
            session=session,
            assistant_id=assistant_id,
            content=content,
            filename="export.jsonl",
            on_progress=lambda d, t, m: steps.append(m),
        )
    first = time.perf_counter() - started
    started = time.perf_counter()
    with session_scope(engine) as session:
        again = transcripts.import_transcripts(
            session=session, assistant_id=assistant_id, content=content, filename="export.jsonl"
        )
    second = time.perf_counter() - started
    assert again.imported_conversations == 0 and again.duplicates == report.imported_conversations
    assert len(steps) >= 3, "the progress bar must move"
    engine.dispose()
    return first, second, report


def run(label: str, url_for: Any, count: int) -> bool:
    content, users = make_file(count)
    base = baseline(url_for("baseline"), count, users)
    first, second, report = studio_import(url_for("studio"), content)
    assert report.imported_conversations == count and report.imported_turns == users
    print(
        f"\n{label}: {count:,} conversations, {users:,} user messages, "
        f"{len(content) / 1_048_576:.1f} MB of JSONL"
    )
    print(f"  baseline (raw executemany of the rows) {base:8.2f} s")
    print(
        f"  studio import                          {first:8.2f} s   "
        f"({first / base:.1f}x the baseline; target <= {TARGET_SECONDS:.0f} s)"
    )
    print(f"  same file again (all duplicates)       {second:8.2f} s")
    print(f"  conversations per second               {count / first:8.0f}")
    return first <= TARGET_SECONDS


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        ok &= run("SQLite", lambda name: f"sqlite:///{tmp}/{name}.db", args.conversations)
    if args.postgres:
        from tests.postgres import start_cluster

        cluster = start_cluster()
        try:
            ok &= run("PostgreSQL", lambda name: cluster.create_database(), args.conversations)
        finally:
            cluster.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {rss:.0f} MB; target {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
