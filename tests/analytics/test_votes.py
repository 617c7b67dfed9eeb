"""Blind-vote win rates on the Analytics page: counted per variant over the filtered period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from studio.analytics import votes as vote_stats
from studio.analytics.filters import Filters
from studio.compare import votes
from studio.core.models import VoteChoice
from tests.compare.test_votes import shop, variant


def test_win_rates_count_each_variant_over_the_period(session: Session) -> None:
    assistant = shop(session)
    a, b = variant(session, assistant), variant(session, assistant, temperature=1.2)
    choices = [VoteChoice.A] * 9 + [VoteChoice.B] * 3 + [VoteChoice.TIE, VoteChoice.BOTH_BAD]
    for n, choice in enumerate(choices):
        votes.record_vote(session=session, comparison_id="p", turn_no=n, a=a, b=b, choice=choice)
    votes.record_vote(session=session, comparison_id="q", turn_no=0, a=a, b=a, choice=VoteChoice.A)
    today = datetime.now(UTC).date()
    period = Filters(start=today - timedelta(days=1), end=today, assistant_ids=(assistant,))
    table = vote_stats.win_rates(vote_stats.votes_in(session=session, filters=period))
    rows = {r["Variant"]: r for r in table.to_dict("records")}
    assert set(rows) == {a.label, b.label}  # the vote of a variant against itself is left out
    assert (rows[a.label]["Wins"], rows[a.label]["Losses"], rows[a.label]["Ties / both bad"]) == (
        9,
        3,
        2,
    )
    assert rows[a.label]["Win rate"] == "75%" and rows[b.label]["Win rate"] == "25%"
    assert rows[a.label]["95% interval"].endswith("%")  # 12 decisive votes: enough for a CI
    earlier = Filters(start=today - timedelta(days=30), end=today - timedelta(days=10))
    assert vote_stats.win_rates(vote_stats.votes_in(session=session, filters=earlier)).empty
