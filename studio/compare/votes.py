"""Blind votes on compare turns: store one with both variants' identities, read them back per
pair (oriented the way the caller asks) or for every version of an assistant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from studio.access.roles import Permission, require
from studio.core.errors import Conflict, InvalidInput
from studio.core.models import ComparisonVote, VoteChoice

from .variants import Variant

MAX_REASON = 500
CHOICE_LABELS = {
    VoteChoice.A: "A is better",
    VoteChoice.B: "B is better",
    VoteChoice.TIE: "Tie",
    VoteChoice.BOTH_BAD: "Both bad",
}
_FLIPPED = {VoteChoice.A: VoteChoice.B, VoteChoice.B: VoteChoice.A}


class VariantIdentity(BaseModel):
    """Exactly which configuration one side ran."""

    assistant_id: int
    version_number: int | None  # None: the draft
    config_hash: str
    overrides: dict[str, Any]
    label: str

    @classmethod
    def of(cls, variant: Variant) -> VariantIdentity:
        """The identity of a resolved variant."""
        return cls(
            assistant_id=variant.target.assistant_id,
            version_number=variant.target.version_number,
            config_hash=variant.target.config_hash,
            overrides=variant.spec.overrides.model_dump(mode="json", exclude_defaults=True),
            label=variant.label,
        )


class VoteRecord(BaseModel):
    """A stored vote; `choice` is relative to `a` and `b` as given here."""

    id: int
    comparison_id: str
    turn_no: int
    choice: VoteChoice
    reason: str
    swapped: bool  # True: b was shown on the left
    message: str
    a: VariantIdentity
    b: VariantIdentity
    created_at: datetime

    def flipped(self) -> VoteRecord:
        """The same vote with the sides exchanged."""
        return self.model_copy(
            update={
                "a": self.b,
                "b": self.a,
                "choice": _FLIPPED.get(self.choice, self.choice),
                "swapped": not self.swapped,
            }
        )


class PairTally(BaseModel):
    """Votes of one pair, from the first variant's point of view."""

    a_wins: int = 0
    b_wins: int = 0
    ties: int = 0
    both_bad: int = 0

    @property
    def total(self) -> int:
        return self.a_wins + self.b_wins + self.ties + self.both_bad


def _identity(row: ComparisonVote, side: str) -> VariantIdentity:
    return VariantIdentity(
        assistant_id=getattr(row, f"{side}_assistant_id"),
        version_number=getattr(row, f"{side}_version_number"),
        config_hash=getattr(row, f"{side}_config_hash"),
        overrides=dict(getattr(row, f"{side}_overrides") or {}),
        label=getattr(row, f"{side}_label"),
    )


def _record(row: ComparisonVote) -> VoteRecord:
    return VoteRecord(
        id=row.id or 0,
        comparison_id=row.comparison_id,
        turn_no=row.turn_no,
        choice=row.choice,
        reason=row.reason,
        swapped=row.swapped,
        message=row.message,
        a=_identity(row, "a"),
        b=_identity(row, "b"),
        created_at=row.created_at,
    )


def votes_from_rows(rows: Sequence[ComparisonVote]) -> list[VoteRecord]:
    """Stored vote rows as plain records."""
    return [_record(r) for r in rows]


def record_vote(
    *,
    session: Session,
    comparison_id: str,
    turn_no: int,
    a: Variant,
    b: Variant,
    choice: VoteChoice,
    reason: str = "",
    swapped: bool = False,
    message: str = "",
    a_turn_id: int | None = None,
    b_turn_id: int | None = None,
) -> VoteRecord:
    """Store a vote on turn `turn_no` of a comparison (`choice` relative to `a`/`b`).

    Raises InvalidInput if the reason is too long, Conflict if that turn already has a vote.
    """
    require(Permission.FEEDBACK)
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON} characters.")
    ids = {"a": VariantIdentity.of(a), "b": VariantIdentity.of(b)}
    row = ComparisonVote(
        comparison_id=comparison_id,
        turn_no=turn_no,
        choice=choice,
        reason=reason,
        swapped=swapped,
        message=message,
        a_turn_id=a_turn_id,
        b_turn_id=b_turn_id,
        **{
            f"{side}_{field}": value[:300] if field == "label" else value
            for side, identity in ids.items()
            for field, value in identity.model_dump().items()
        },
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("This reply already has a vote; each turn takes one.") from exc
    return _record(row)


def pair_votes(*, session: Session, a_hash: str, b_hash: str) -> list[VoteRecord]:
    """Every vote between the two configurations, newest first, oriented as (a_hash, b_hash)."""
    rows = session.exec(
        select(ComparisonVote)
        .where(
            or_(
                and_(
                    col(ComparisonVote.a_config_hash) == a_hash,
                    col(ComparisonVote.b_config_hash) == b_hash,
                ),
                and_(
                    col(ComparisonVote.a_config_hash) == b_hash,
                    col(ComparisonVote.b_config_hash) == a_hash,
                ),
            )
        )
        .order_by(col(ComparisonVote.created_at).desc(), col(ComparisonVote.id).desc())
    ).all()
    records = [_record(r) for r in rows]
    return [r if r.a.config_hash == a_hash else r.flipped() for r in records]


def tally(votes: Sequence[VoteRecord]) -> PairTally:
    """Count votes (already oriented) by outcome."""
    out = PairTally()
    for vote in votes:
        if vote.choice is VoteChoice.A:
            out.a_wins += 1
        elif vote.choice is VoteChoice.B:
            out.b_wins += 1
        elif vote.choice is VoteChoice.TIE:
            out.ties += 1
        else:
            out.both_bad += 1
    return out


def assistant_votes(*, session: Session, assistant_id: int) -> list[VoteRecord]:
    """Every vote between two variants of the same assistant, oldest first."""
    rows = session.exec(
        select(ComparisonVote)
        .where(
            ComparisonVote.a_assistant_id == assistant_id,
            ComparisonVote.b_assistant_id == assistant_id,
        )
        .order_by(col(ComparisonVote.id))
    ).all()
    return [_record(r) for r in rows]
