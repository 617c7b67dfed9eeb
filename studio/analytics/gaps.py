"""Knowledge gaps: customer questions whose best retrieval score fell below the threshold,
grouped by intent (counted in SQL, from the rollups for the filter's thresholds) and by similar
wording (over the most recent ones) — the list of articles to write next."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import case, func, select
from sqlmodel import Session, col

from studio.analytics.filters import Filters, rollup_conditions, turn_conditions
from studio.chat.insights import content_words
from studio.core.models import Turn
from studio.core.rollup_tables import RollupGap

SMALL_TALK = ("greeting", "farewell")
SAMPLE = 2000
"""How many of the most recent gap questions are grouped by wording (bounded work)."""
SIMILAR = 0.5
"""Two questions are "similar" when half of their content words are shared (Jaccard)."""
SCORE_EDGES = tuple(round(k * 0.05, 2) for k in range(21))
"""The thresholds the rollups count gaps for exactly (the filter's slider steps); any other
threshold is counted from the turns."""


def score_bin(column: Any) -> Any:
    """-1 below 0; k where SCORE_EDGES[k] <= score < SCORE_EDGES[k + 1]; 20 from 1 up. So
    `score < SCORE_EDGES[k]` exactly when `score_bin < k` (the same float comparisons)."""
    return case(
        *((column < edge, k - 1) for k, edge in enumerate(SCORE_EDGES)),
        else_=len(SCORE_EDGES) - 1,
    )


class GapGroup(BaseModel):
    """Questions the knowledge base could not answer, with how many and one example."""

    label: str
    intent: str
    count: int
    example: str


class KnowledgeGaps(BaseModel):
    threshold: float
    total: int
    by_intent: list[GapGroup]
    by_similarity: list[GapGroup]
    sampled: int  # how many recent questions the similarity groups were made from


def _gap_conditions(filters: Filters) -> list[object]:
    return [
        turn_conditions(filters, both_periods=False),
        col(Turn.best_score).is_not(None),
        col(Turn.best_score) < filters.gap_threshold,
        func.coalesce(col(Turn.intent), "other").not_in(SMALL_TALK),
    ]


def _words(text: str) -> frozenset[str]:
    return frozenset(content_words(text))


def group_similar(questions: list[tuple[str, str]]) -> list[GapGroup]:
    """(question, intent) pairs grouped by shared content words, largest groups first."""
    leaders: list[tuple[frozenset[str], GapGroup]] = []
    for text, intent in questions:
        words = _words(text)
        for leader_words, group in leaders:
            union = words | leader_words
            if union and len(words & leader_words) / len(union) >= SIMILAR:
                group.count += 1
                break
        else:
            label = " ".join(sorted(words)[:6]) or text[:40]
            leaders.append((words, GapGroup(label=label, intent=intent, count=1, example=text)))
    return sorted((g for _, g in leaders), key=lambda g: (-g.count, g.example))


def _counted(session: Session, filters: Filters) -> list[Any]:
    """(intent, questions, alphabetically first question) per intent, most questions first."""
    if filters.gap_threshold in SCORE_EDGES:
        g = RollupGap
        n = func.sum(col(g.n))
        return list(
            session.execute(
                select(col(g.intent), n, func.min(col(g.first_message)))
                .where(
                    rollup_conditions(g, filters, both_periods=False),
                    col(g.score_bin) < SCORE_EDGES.index(filters.gap_threshold),
                    col(g.intent).not_in(SMALL_TALK),
                )
                .group_by(col(g.intent))
                .order_by(n.desc(), col(g.intent))
            ).all()
        )
    intent = func.coalesce(col(Turn.intent), "other").label("intent")
    return list(
        session.execute(
            select(intent, func.count().label("n"), func.min(col(Turn.user_message)))
            .where(*_gap_conditions(filters))  # type: ignore[arg-type]
            .group_by(intent)
            .order_by(func.count().desc(), intent)
        ).all()
    )


def knowledge_gaps(*, session: Session, filters: Filters, limit: int = 20) -> KnowledgeGaps:
    """The period's gap questions by intent and by similar wording, `limit` groups each."""
    where = _gap_conditions(filters)
    intent = func.coalesce(col(Turn.intent), "other").label("intent")
    counted = _counted(session, filters)
    recent = session.execute(
        select(col(Turn.user_message), intent)
        .where(*where)  # type: ignore[arg-type]
        .order_by(col(Turn.created_at).desc(), col(Turn.id).desc())
        .limit(SAMPLE)
    ).all()
    examples: dict[str, str] = {}
    for text, kind in recent:
        examples.setdefault(kind, text)
    by_intent = [
        GapGroup(
            label=kind.replace("_", " "),
            intent=kind,
            count=int(n),
            example=examples.get(kind, first),
        )
        for kind, n, first in counted[:limit]
    ]
    similar = group_similar([(str(text), str(kind)) for text, kind in recent])
    return KnowledgeGaps(
        threshold=filters.gap_threshold,
        total=sum(int(n) for _, n, _ in counted),
        by_intent=by_intent,
        by_similarity=similar[:limit],
        sampled=len(recent),
    )
