"""Compare page, bottom half: votes of this pair with their statistics, the leaderboard of the
assistant's versions, and the monthly cost forecast of both sides."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from studio.compare import forecast, leaderboard, votes
from studio.compare.stats import win_rate
from studio.compare.variants import Variant
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.core.models import VoteChoice
from studio.design import assistants
from studio.ui.assistant_admin import show_error
from studio.ui.compare_setup import SIDE_NAMES
from studio.ui.resources import get_engine
from studio.ui.untrusted import safe

OUTCOME = {
    VoteChoice.A: "A better",
    VoteChoice.B: "B better",
    VoteChoice.TIE: "tie",
    VoteChoice.BOTH_BAD: "both bad",
}


def pair_history(variants: list[Variant]) -> None:
    """Every blind vote between these two configurations, with win rate and sign test."""
    a, b = variants
    with session_scope(get_engine()) as session:
        history = votes.pair_votes(
            session=session, a_hash=a.target.config_hash, b_hash=b.target.config_hash
        )
    count = votes.tally(history)
    rate = win_rate(
        wins=count.a_wins, losses=count.b_wins, ties=count.ties, both_bad=count.both_bad
    )
    cols = st.columns(4)
    cols[0].metric("A better", count.a_wins)
    cols[1].metric("B better", count.b_wins)
    cols[2].metric("Ties", count.ties)
    cols[3].metric("Both bad", count.both_bad)
    st.markdown(rate.summary())
    if not history:
        st.caption("No blind votes for this pair yet: switch on blind mode and vote.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "When": f"{v.created_at:%Y-%m-%d %H:%M}",
                    "Outcome": OUTCOME[v.choice],
                    "Reason": safe(v.reason),
                    "Message": safe(v.message[:120]),
                }
                for v in history
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def board(assistant_id: int) -> None:
    """Bradley–Terry ratings of every variant of one assistant, from all its stored votes."""
    with session_scope(get_engine()) as session:
        name = assistants.get_assistant(session=session, assistant_id=assistant_id).name
        every = votes.assistant_votes(session=session, assistant_id=assistant_id)
    result = leaderboard.leaderboard(every)
    st.markdown(f"**{safe(name)}** — {result.note()}")
    if not result.ratings:
        st.caption("Votes between two different variants of this assistant build the board.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "#": rank,
                    "Variant": safe(r.label),
                    "Rating": round(r.rating),
                    "95% interval": f"{r.low:.0f} – {r.high:.0f}",
                    "Votes": r.votes,
                    "Won / lost / tied": f"{r.wins} / {r.losses} / {r.ties}",
                }
                for rank, r in enumerate(result.ratings, start=1)
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def cost_forecast(variants: list[Variant]) -> None:
    """Measured tokens and cost per conversation × a monthly volume, side by side."""
    volume = st.number_input(
        "Conversations per month",
        min_value=0,
        max_value=forecast.MAX_MONTHLY_CONVERSATIONS,
        value=forecast.DEFAULT_MONTHLY_CONVERSATIONS,
        step=100,
        key="compare_volume",
        help="How many customer conversations you expect in a month; the forecast multiplies "
        "the cost measured per conversation on each side by it.",
    )
    try:
        with session_scope(get_engine()) as session:
            rows = [
                forecast.forecast(session=session, variant=v, monthly_conversations=int(volume))
                for v in variants
            ]
    except StudioError as error:
        show_error(error)
        return
    if not any(r.conversations for r in rows):
        st.caption("Nothing measured yet: the forecast uses the conversations you have here.")
    table = {
        name: {
            "Variant": safe(r.label),
            "Model": safe(r.model),
            "Conversations measured": str(r.conversations),
            "Tokens / conversation": f"{r.prompt_tokens_per_conversation:,.0f} in + "
            f"{r.completion_tokens_per_conversation:,.0f} out",
            "Cost / conversation": f"${r.cost_per_conversation:.4f}"
            if r.priced
            else "no price set",
            "Tokens / month": f"{r.monthly_tokens:,.0f}",
            "Cost / month": f"${r.monthly_cost:,.2f}" if r.priced else "no price set",
        }
        for name, r in zip(SIDE_NAMES, rows, strict=True)
    }
    st.dataframe(pd.DataFrame(table), width="stretch")  # metrics down, sides across
    if any(r.estimated for r in rows):
        st.caption(
            "Replies from the offline simulator cost nothing; their tokens are priced at "
            "the list price of each side's configured model (Settings → prices)."
        )
