"""Compare page, the conversation: one message, both sides streaming into their own column at the
same time; blind mode shuffles the sides per turn and hides them until the vote."""

from __future__ import annotations

import secrets
from typing import Any

import streamlit as st

from studio.chat import turn
from studio.chat.results import TurnResult
from studio.compare import live, votes
from studio.compare.variants import Variant
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.core.models import TurnStatus, VoteChoice
from studio.knowledge.bases import KnowledgeStore
from studio.ui import chat_view, untrusted
from studio.ui.assistant_admin import show_error
from studio.ui.compare_setup import SIDE_NAMES
from studio.ui.resources import get_engine

CONVERSATION = "compare_conversation"
POSITIONS = ("Left", "Right")
SKIPPED = "skipped"  # a blind turn the user moved on from without voting
VOTE_OPTIONS = {
    "Left is better": "left",
    "Right is better": "right",
    "Tie": VoteChoice.TIE,
    "Both bad": VoteChoice.BOTH_BAD,
}


def conversation(key: str) -> dict[str, Any]:
    """The comparison on screen; a fresh one (new comparison id) when the variants changed."""
    current = st.session_state.get(CONVERSATION)
    if not current or current.get("key") != key:
        current = reset(key)
    return dict(current)


def reset(key: str) -> dict[str, Any]:
    """Start over: new comparison id, both sides open new sessions on the next message."""
    fresh = {
        "key": key,
        "comparison_id": live.new_comparison_id(),
        "session_ids": [None, None],
        "turns": [],
    }
    st.session_state[CONVERSATION] = fresh
    return fresh


def _order(t: dict[str, Any]) -> list[int]:
    """order[position] = the side shown at that position (left, right)."""
    return [1, 0] if t["swapped"] else [0, 1]


def _hidden(t: dict[str, Any]) -> bool:
    return bool(t["blind"]) and t["vote"] is None


def _header(t: dict[str, Any], position: int, variants: list[Variant]) -> str:
    side = _order(t)[position]
    name = f"{SIDE_NAMES[side]} · {untrusted.safe(variants[side].label)}"
    if t["blind"]:
        if _hidden(t):
            return f"**{POSITIONS[position]}**"
        return f"**{POSITIONS[position]}** — was {name}"
    return f"**{name}**"


def _passages(r: TurnResult) -> None:
    with st.expander(f"Retrieved passages ({len(r.passages)})", icon=":material/menu_book:"):
        if not r.passages:
            st.caption("Nothing was retrieved for this message.")
        for p in r.passages:
            mark = "used" if p.passed_threshold else "below threshold"
            st.markdown(f"**{p.rank}. {untrusted.safe(p.citation)}** — {p.score:.2f} · {mark}")
            st.text(p.text[:300] + ("…" if len(p.text) > 300 else ""))


def _reply(r: TurnResult, index: int, *, hidden: bool) -> None:
    if r.reply:
        untrusted.markdown(r.reply)
    if r.status is TurnStatus.PARTIAL:
        st.warning(f"Reply incomplete — {untrusted.safe(r.error or '')}", icon=":material/warning:")
    elif r.status is TurnStatus.FAILED:
        st.error(untrusted.safe(r.error or "The reply failed."), icon=":material/error:")
    if hidden:
        st.caption("Sources and inspector appear after your vote.")
        return
    st.caption(
        f"{r.latency_ms:.0f} ms · {r.prompt_tokens + r.completion_tokens} tokens"
        + (f" · ${r.cost_usd:.5f}" if r.cost_known and r.cost_usd else "")
    )
    _passages(r)
    chat_view.inspector(r, index)


def show_turn(index: int, t: dict[str, Any], variants: list[Variant]) -> None:
    """One exchange: the message, then both replies next to each other."""
    with st.chat_message("user"):
        untrusted.markdown(t["message"])
    results = [TurnResult.model_validate(r) for r in t["results"]]
    for position, column in enumerate(st.columns(2, border=True)):
        with column:
            st.markdown(_header(t, position, variants))
            _reply(results[_order(t)[position]], index * 2 + position, hidden=_hidden(t))
    if t["blind"] and t["vote"] is not None:
        st.caption(f"Your vote: {t['vote_label']}")


def vote_form(
    index: int, t: dict[str, Any], variants: list[Variant], convo: dict[str, Any]
) -> None:
    """The blind vote on one turn; stores it, then reveals the sides."""
    with st.form(f"compare_vote_{convo['comparison_id']}_{index}", border=True):
        st.markdown("**Which reply is better?** The sides are revealed after you vote.")
        label = st.radio(
            "Vote",
            list(VOTE_OPTIONS),
            horizontal=True,
            index=None,
            key=f"compare_vote_choice_{index}",
        )
        reason = st.text_input(
            "Reason (optional)", max_chars=votes.MAX_REASON, key=f"compare_vote_reason_{index}"
        )
        submitted = st.form_submit_button("Vote", type="primary")
    if not submitted:
        return
    if label is None:
        st.error("Pick one of the four answers first.")
        return
    picked = VOTE_OPTIONS[label]
    order = _order(t)
    if picked in ("left", "right"):
        side = order[POSITIONS.index(picked.capitalize())]
        choice = VoteChoice.A if side == 0 else VoteChoice.B
    else:
        choice = VoteChoice(picked)
    results = [TurnResult.model_validate(r) for r in t["results"]]
    try:
        with session_scope(get_engine()) as session:
            votes.record_vote(
                session=session,
                comparison_id=convo["comparison_id"],
                turn_no=index,
                a=variants[0],
                b=variants[1],
                choice=choice,
                reason=reason,
                swapped=bool(t["swapped"]),
                message=t["message"],
                a_turn_id=results[0].turn_id,
                b_turn_id=results[1].turn_id,
            )
    except StudioError as error:
        show_error(error)
        return
    turns = list(convo["turns"])
    turns[index] = {**t, "vote": choice.value, "vote_label": label}
    st.session_state[CONVERSATION] = {**convo, "turns": turns}
    st.rerun()


def answer(
    message: str,
    *,
    variants: list[Variant],
    choice: chat_view.ProviderChoice,
    convo: dict[str, Any],
    store: KnowledgeStore | None,
    blind: bool,
) -> None:
    """Send `message` to both sides at once, streaming each into its column; then keep the turn."""
    swapped = blind and secrets.randbelow(2) == 1
    t: dict[str, Any] = {"message": message, "blind": blind, "swapped": swapped, "vote": None}
    previous = [
        [TurnResult.model_validate(x["results"][i]) for x in convo["turns"]] for i in (0, 1)
    ]
    sides = [
        live.Side(
            variant=v,
            backend=choice.backend,
            # The provider's model applies unless this side overrides the model.
            model=choice.model if v.spec.overrides.model is None else None,
            history=turn.history_of(previous[i]),
            session_id=convo["session_ids"][i],
        )
        for i, v in enumerate(variants)
    ]
    with st.chat_message("user"):
        untrusted.markdown(message)
    order = _order(t)
    holders = []
    for position, column in enumerate(st.columns(2, border=True)):
        column.markdown(_header(t, position, variants))
        holders.append(column.empty())
    pieces: list[list[str]] = [[], []]
    results: list[TurnResult | None] = [None, None]
    try:
        for event in live.stream_side_by_side(
            engine=get_engine(),
            sides=sides,
            message=message,
            comparison_id=convo["comparison_id"],
            store=store,
        ):
            position = order.index(event.side)
            if event.kind == "text":
                pieces[event.side].append(event.text)
                holders[position].markdown(untrusted.safe("".join(pieces[event.side])) + " ▌")
            else:
                results[event.side] = event.result
    except StudioError as error:
        show_error(error)
        return
    done = [r for r in results if r is not None]
    t["results"] = [r.model_dump(mode="json") for r in done]
    # A blind turn left without a vote is revealed once the conversation moves on.
    earlier = [
        {**x, "vote": SKIPPED, "vote_label": "none (skipped)"} if _hidden(x) else x
        for x in convo["turns"]
    ]
    st.session_state[CONVERSATION] = {
        **convo,
        "turns": [*earlier, t],
        "session_ids": [r.session_id for r in done],
    }
    st.rerun()
