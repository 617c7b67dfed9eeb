"""Blind-vote win rates per variant over the Analytics filters (votes recorded on Compare)."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
from sqlalchemy import or_
from sqlmodel import Session, col, select

from studio.analytics.filters import Filters
from studio.compare.stats import win_rate
from studio.compare.votes import VoteRecord, votes_from_rows
from studio.core.models import ComparisonVote, VoteChoice

COLUMNS = ["Variant", "Votes", "Wins", "Losses", "Ties / both bad", "Win rate", "95% interval"]


def votes_in(*, session: Session, filters: Filters) -> list[VoteRecord]:
    """Votes cast in the selected period on the selected assistants (either side)."""
    begin, end = filters.current
    query = select(ComparisonVote).where(
        col(ComparisonVote.created_at) >= begin, col(ComparisonVote.created_at) < end
    )
    if filters.assistant_ids:
        query = query.where(
            or_(
                col(ComparisonVote.a_assistant_id).in_(filters.assistant_ids),
                col(ComparisonVote.b_assistant_id).in_(filters.assistant_ids),
            )
        )
    return votes_from_rows(session.exec(query.order_by(col(ComparisonVote.id))).all())


def win_rates(votes: list[VoteRecord]) -> pd.DataFrame:
    """One row per variant: its votes, wins, losses, ties and a Wilson-interval win rate (a
    variant voted against itself is left out: such a vote says nothing about it)."""
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for vote in votes:
        if vote.a.config_hash == vote.b.config_hash:
            continue
        for me, won in ((vote.a, VoteChoice.A), (vote.b, VoteChoice.B)):
            row = tally[me.label]
            if vote.choice is won:
                row["wins"] += 1
            elif vote.choice in (VoteChoice.A, VoteChoice.B):
                row["losses"] += 1
            else:
                row["ties"] += 1
    rows = []
    for label, row in sorted(tally.items()):
        rate = win_rate(wins=row["wins"], losses=row["losses"], ties=row["ties"])
        shown = "–" if rate.rate is None else f"{rate.rate:.0%}"
        interval = (
            f"{rate.low:.0%}–{rate.high:.0%}"
            if rate.enough and rate.low is not None and rate.high is not None
            else f"not enough data (n = {rate.n})"
        )
        rows.append(
            [label, rate.n + row["ties"], row["wins"], row["losses"], row["ties"], shown, interval]
        )
    return pd.DataFrame(rows, columns=COLUMNS)
