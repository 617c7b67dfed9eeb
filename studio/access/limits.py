"""Usage limits for real models: interactive turns (Preview, Compare) per person and provider per
minute, and a daily spend cap per provider for every turn, suite runs included (the estimated cost
each logged turn carries, from the price table). The offline simulator is never limited. Counted
in SQL, so the limits hold across studio processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from studio.access.roles import Permission, require
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.errors import LimitReached
from studio.core.models import Turn, TurnSource, utcnow

INTERACTIVE = (TurnSource.PREVIEW, TurnSource.COMPARE)
"""Sources a person types: the per-minute limit counts these; a suite run is bounded by the cap."""


def _start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def spent_today(*, engine: Engine, provider: str) -> float:
    """Estimated USD the turns sent to `provider` have cost since midnight UTC."""
    with session_scope(engine) as session:
        total = session.execute(
            select(func.coalesce(func.sum(col(Turn.cost_usd)), 0.0)).where(
                col(Turn.provider) == provider, col(Turn.created_at) >= _start_of_day(utcnow())
            )
        ).scalar_one()
    return float(total)


def check_turn(
    *,
    engine: Engine,
    provider: str,
    simulated: bool,
    source: TurnSource = TurnSource.PREVIEW,
) -> None:
    """Let the current actor send one turn to `provider`.

    Raises PermissionDenied if they may not chat; for a real model, LimitReached when an
    interactive turn follows `turns_per_minute` of theirs in the last minute, or when the
    provider's spend today reached the cap (for every source: a suite run spends money too).
    """
    actor = require(Permission.CHAT)
    if simulated:
        return
    settings = get_settings()
    now = utcnow()
    if source in INTERACTIVE:
        _check_rate(engine=engine, provider=provider, actor_name=actor.name, now=now)
    spent = spent_today(engine=engine, provider=provider)
    cap = settings.daily_spend_cap_usd
    if spent >= cap:
        raise LimitReached(
            f"Today's spending cap for this provider is reached: about ${spent:.2f} of "
            f"${cap:.2f} (estimated from the price table). It resets at midnight UTC; an admin "
            "can raise STUDIO_DAILY_SPEND_CAP_USD. The offline simulator keeps working."
        )


def _check_rate(*, engine: Engine, provider: str, actor_name: str, now: datetime) -> None:
    settings = get_settings()
    with session_scope(engine) as session:
        recent = session.execute(
            select(func.count(), func.min(col(Turn.created_at))).where(
                col(Turn.user_name) == actor_name,
                col(Turn.provider) == provider,
                col(Turn.source).in_(INTERACTIVE),
                col(Turn.created_at) > now - timedelta(minutes=1),
            )
        ).one()
    if recent[0] >= settings.turns_per_minute:
        wait = max(1, 60 - int((now - recent[1]).total_seconds())) if recent[1] else 60
        raise LimitReached(
            f"You sent {recent[0]} messages to a real model in the last minute (the limit is "
            f"{settings.turns_per_minute}). Wait {wait} s, or use the offline simulator, which "
            "has no limit."
        )
