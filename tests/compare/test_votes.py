"""Blind votes stored with both identities, per-pair history, statistics checked against scipy by
hand, the Bradley–Terry leaderboard, and the cost forecast from measured compare sessions."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from scipy import stats as sps
from sqlalchemy.engine import Engine
from sqlmodel import Session

from studio.chat import pricing
from studio.chat.simulator import SimulatorBackend
from studio.compare import forecast, leaderboard, votes
from studio.compare.live import Side, new_comparison_id, run_side_by_side
from studio.compare.stats import MIN_VOTES, win_rate
from studio.compare.variants import Overrides, Variant, VariantSpec, resolve_variant
from studio.core.db import session_scope
from studio.core.errors import Conflict, InvalidInput
from studio.core.models import VoteChoice
from studio.design import assistants, seeding


def shop(session: Session) -> int:
    seeding.seed_demo_assistants(session=session)
    return next(
        a.id
        for a in assistants.list_assistants(session=session)
        if a.template == "ecommerce_support"
    )


def variant(session: Session, assistant_id: int, **overrides: object) -> Variant:
    spec = VariantSpec(
        assistant_id=assistant_id, version=1, overrides=Overrides.model_validate(overrides)
    )
    return resolve_variant(session=session, spec=spec)


# --------------------------------------------------------------------------- storage


def test_a_vote_keeps_both_identities_and_reads_back_per_pair(session: Session) -> None:
    sid = shop(session)
    plain, warm = variant(session, sid), variant(session, sid, sliders={"empathy": 95})
    stored = votes.record_vote(
        session=session,
        comparison_id="cmp",
        turn_no=0,
        a=plain,
        b=warm,
        choice=VoteChoice.B,
        reason="  warmer  ",
        swapped=True,
        message="Where is my order?",
    )
    assert stored.reason == "warmer" and stored.a.version_number == 1
    assert stored.b.overrides == {"sliders": {"empathy": 95}}
    assert stored.b.config_hash == warm.target.config_hash
    votes.record_vote(
        session=session, comparison_id="cmp", turn_no=1, a=plain, b=warm, choice=VoteChoice.TIE
    )
    # Asked the other way round, the same votes are oriented for the asker.
    seen = votes.pair_votes(
        session=session, a_hash=warm.target.config_hash, b_hash=plain.target.config_hash
    )
    assert [v.choice for v in seen] == [VoteChoice.TIE, VoteChoice.A]
    assert seen[1].a.label == warm.label and seen[1].swapped is False
    assert votes.tally(seen).model_dump() == {"a_wins": 1, "b_wins": 0, "ties": 1, "both_bad": 0}
    assert len(votes.assistant_votes(session=session, assistant_id=sid)) == 2


def test_a_turn_takes_one_vote_and_a_long_reason_is_refused(session: Session) -> None:
    sid = shop(session)
    a, b = variant(session, sid), variant(session, sid, temperature=1.0)
    votes.record_vote(session=session, comparison_id="x", turn_no=0, a=a, b=b, choice=VoteChoice.A)
    with pytest.raises(Conflict):
        votes.record_vote(
            session=session, comparison_id="x", turn_no=0, a=a, b=b, choice=VoteChoice.B
        )
    with pytest.raises(InvalidInput, match="500"):
        votes.record_vote(
            session=session,
            comparison_id="x",
            turn_no=1,
            a=a,
            b=b,
            choice=VoteChoice.B,
            reason="x" * 501,
        )
    assert len(votes.assistant_votes(session=session, assistant_id=sid)) == 1


# --------------------------------------------------------------------------- statistics


def wilson_by_hand(wins: int, n: int) -> tuple[float, float]:
    z = sps.norm.ppf(0.975)
    p = wins / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def sign_test_by_hand(wins: int, n: int) -> float:
    observed = sps.binom.pmf(wins, n, 0.5)
    return float(
        sum(
            sps.binom.pmf(k, n, 0.5)
            for k in range(n + 1)
            if sps.binom.pmf(k, n, 0.5) <= observed * (1 + 1e-7)
        )
    )


@pytest.mark.parametrize(("wins", "losses"), [(14, 6), (10, 10), (3, 17), (25, 0), (7, 4)])
def test_win_rate_matches_scipy_by_hand(wins: int, losses: int) -> None:
    result = win_rate(wins=wins, losses=losses, ties=5, both_bad=2)
    n = wins + losses
    low, high = wilson_by_hand(wins, n)
    assert result.n == n and result.rate == pytest.approx(wins / n)
    assert result.low == pytest.approx(low) and result.high == pytest.approx(high)
    assert result.p_value == pytest.approx(min(1.0, sign_test_by_hand(wins, n)))
    assert result.enough
    assert "ties 5 and both bad 2 not counted" in result.summary()


def test_ties_do_not_count_and_small_samples_say_so() -> None:
    few = win_rate(wins=4, losses=1, ties=30)
    assert few.n == 5 and not few.enough and not few.significant
    assert few.summary().startswith(
        f"Not enough data yet (n = 5 decisive votes, at least {MIN_VOTES}"
    )
    assert win_rate(wins=0, losses=0, ties=3).rate is None
    clear = win_rate(wins=18, losses=2)
    assert clear.significant and "a real difference" in clear.summary()


# --------------------------------------------------------------------------- leaderboard


def _vote(a: str, b: str, choice: VoteChoice, n: int) -> list[votes.VoteRecord]:
    def identity(h: str) -> votes.VariantIdentity:
        return votes.VariantIdentity(
            assistant_id=1,
            version_number=int(h[1]),
            config_hash=h,
            overrides={},
            label=f"Shop · {h}",
        )

    return [
        votes.VoteRecord(
            id=i,
            comparison_id="c",
            turn_no=i,
            choice=choice,
            reason="",
            swapped=False,
            message="",
            a=identity(a),
            b=identity(b),
            created_at=datetime.now(UTC),
        )
        for i in range(n)
    ]


def test_the_leaderboard_orders_versions_by_their_votes() -> None:
    history = (
        _vote("v3", "v2", VoteChoice.A, 9)
        + _vote("v3", "v2", VoteChoice.B, 3)
        + _vote("v2", "v1", VoteChoice.A, 8)
        + _vote("v2", "v1", VoteChoice.B, 2)
        + _vote("v1", "v3", VoteChoice.TIE, 2)
        + _vote("v1", "v1", VoteChoice.A, 5)
    )
    board = leaderboard.leaderboard(history)
    assert [r.config_hash for r in board.ratings] == ["v3", "v2", "v1"]
    assert board.votes == 24 and board.enough  # votes of v1 against itself are left out
    for r in board.ratings:
        assert r.low <= r.rating <= r.high and r.low < r.high
    top = board.ratings[0]
    assert (top.votes, top.wins, top.losses, top.ties) == (14, 9, 3, 2)
    assert leaderboard.leaderboard(history).ratings == board.ratings  # recomputed, same seed


def test_ties_only_rate_everyone_alike_and_few_votes_are_flagged() -> None:
    board = leaderboard.leaderboard(_vote("v1", "v2", VoteChoice.TIE, 4))
    assert not board.enough and board.note().startswith("Not enough data yet (n = 4")
    assert board.ratings[0].rating == pytest.approx(board.ratings[1].rating)
    assert leaderboard.leaderboard([]).ratings == []


# --------------------------------------------------------------------------- cost


def test_the_forecast_uses_measured_compare_sessions(engine: Engine) -> None:
    with session_scope(engine) as session:
        sid = shop(session)
        a, b = variant(session, sid), variant(session, sid, sliders={"verbosity": 100})
        estimate = forecast.turn_cost(session=session, variant=a)
    assert estimate.prompt_tokens > 100 and estimate.max_usd >= estimate.typical_usd > 0
    for _ in range(2):  # two conversations of two turns each, on the simulator
        comparison, ids = new_comparison_id(), [None, None]
        for message in ("Hello!", "How do returns work?"):
            sides = [
                Side(variant=v, backend=SimulatorBackend(), session_id=i)
                for v, i in zip((a, b), ids, strict=True)
            ]
            results = run_side_by_side(
                engine=engine, sides=sides, message=message, comparison_id=comparison
            )
            ids = [r.session_id for r in results]
    with session_scope(engine) as session:
        f = forecast.forecast(session=session, variant=a, monthly_conversations=3000)
        price = pricing.get_price(session=session, model=a.target.config.model.model)
        with pytest.raises(InvalidInput):
            forecast.forecast(session=session, variant=a, monthly_conversations=-1)
    assert f.conversations == 2 and f.turns == 4 and f.estimated
    tokens = f.prompt_tokens_per_conversation + f.completion_tokens_per_conversation
    assert f.monthly_tokens == pytest.approx(tokens * 3000)
    assert f.cost_per_conversation == pytest.approx(
        pricing.estimate_cost(
            price,
            prompt_tokens=round(f.prompt_tokens_per_conversation * 2),
            completion_tokens=round(f.completion_tokens_per_conversation * 2),
        )
        / 2
    )
    assert f.monthly_cost == pytest.approx(f.cost_per_conversation * 3000) and f.monthly_cost > 0
