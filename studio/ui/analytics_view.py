"""The Analytics page's sections: KPI tiles, charts, knowledge gaps, the session drill-down with
its transcript, export, and the empty states."""

from __future__ import annotations

from typing import Literal

import streamlit as st

from studio.analytics import charts, sessions, votes
from studio.analytics.dashboard import Dashboard
from studio.analytics.filters import Filters
from studio.analytics.traffic import generate_traffic
from studio.chat.conversations import TurnRecord
from studio.chat.tag_labels import tagger_caption
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.ui import untrusted
from studio.ui.resources import get_engine

PER_ROW = 6
DEMO_TURNS = 3000
EXPORT = "an_export"
COLUMNS = ("id", "started_at", "title", "assistant", "version", "source", "turns", "escalated",
           "abandoned")  # fmt: skip


def no_data_yet() -> None:
    """The first-run state: nothing logged at all, with a way to get demo traffic."""
    st.info(
        "No conversations yet. Chat with an assistant on the **Preview** page, or generate demo "
        f"traffic ({DEMO_TURNS:,} turns for the demo assistants, marked as demo) to see every "
        "chart. From a terminal: `python -m studio traffic generate --turns 3000`."
    )
    if st.button("Generate demo traffic", type="primary"):
        try:
            with session_scope(get_engine()) as session:
                made = generate_traffic(session=session, turns=DEMO_TURNS)
        except StudioError as error:
            st.error(str(error))
            return
        st.toast(f"{made.turns:,} demo turns in {made.sessions:,} sessions added.", icon="✅")
        st.rerun()


def kpi_tiles(d: Dashboard) -> None:
    """Every KPI with its change against the previous period of equal length."""
    st.caption(
        f"{d.filters.start:%d %b %Y} – {d.filters.end:%d %b %Y} (UTC), compared with the "
        f"{d.filters.days} day(s) before."
    )
    for row in range(0, len(d.kpis), PER_ROW):
        for column, kpi in zip(st.columns(PER_ROW), d.kpis[row : row + PER_ROW], strict=False):
            colour: Literal["normal", "inverse", "off"] = "off"
            if kpi.higher_is_better is not None:
                colour = "normal" if kpi.higher_is_better else "inverse"
            column.metric(kpi.label, kpi.formatted(), kpi.change_text(), delta_color=colour,
                          help=f"{kpi.help} {kpi.detail}".strip())  # fmt: skip
    if len(d.splits) > 1:
        with st.expander("Compare versions: every KPI per version"):
            st.dataframe(d.kpis_by_split(), width="stretch")
    vote_table(d)


def vote_table(d: Dashboard) -> None:
    """Blind-vote win rates per variant in the period (from Compare)."""
    with session_scope(get_engine()) as session:
        table = votes.win_rates(votes.votes_in(session=session, filters=d.filters))
    if table.empty:
        st.caption(
            "No blind votes in this period yet: vote on Compare (blind mode) and the win rate of "
            "each variant shows here."
        )
        return
    st.markdown("**Blind-vote win rates** (ties and “both bad” not counted in the rate)")
    st.dataframe(table, hide_index=True, width="stretch")


def _chart(figure: object) -> None:
    st.plotly_chart(figure, width="stretch", theme="streamlit")


def overview(d: Dashboard) -> None:
    left, right = st.columns(2)
    with left:
        _chart(charts.volume_figure(d))
        _chart(charts.latency_figure(d, "latency"))
    with right:
        _chart(charts.quality_figure(d))
        _chart(charts.cost_figure(d))
        if len(d.splits) > 1:
            with st.expander("Cost by model and version (USD)"):
                st.dataframe(charts.cost_by_model(d), width="stretch")
    _chart(charts.latency_figure(d, "ttft"))


def conversations(d: Dashboard) -> None:
    left, right = st.columns(2)
    with left:
        _chart(charts.breakdown_figure(d, "intent"))
        _chart(charts.breakdown_figure(d, "urgency"))
    with right:
        _chart(charts.breakdown_figure(d, "emotion"))
        _chart(charts.breakdown_figure(d, "tool_name"))
    split = None
    if len(d.splits) > 1:
        split = st.selectbox("Heatmap for", [None, *d.splits], key="an_heat",
                             format_func=lambda s: "All versions" if s is None else s)  # fmt: skip
    _chart(charts.heatmap_figure(d, split))


def knowledge(d: Dashboard) -> None:
    left, right = st.columns([3, 2])
    with left:
        _chart(charts.documents_figure(d))
    with right:
        st.markdown("**Never-cited documents**")
        unused = charts.never_cited(d)
        if d.documents.empty:
            st.caption("The selected assistants have no documents yet (Knowledge page).")
        elif unused.empty:
            st.caption("Every document answered at least one question in this period.")
        else:
            st.dataframe(unused, hide_index=True, width="stretch", height=260)
    gaps = d.gaps
    st.markdown(f"**Knowledge gaps: {gaps.total:,} questions scored below {gaps.threshold:.2f}**")
    if gaps.total == 0:
        st.caption("No question fell below the threshold: the knowledge base answered them all.")
        return
    st.caption("The articles to write next. Grouped by intent (all of them) and by similar "
               f"wording (the latest {gaps.sampled:,}).")  # fmt: skip
    by_intent, by_wording = st.tabs(["By intent", "By similar wording"])
    by_intent.dataframe(charts.gaps_frame(d, by="intent"), hide_index=True, width="stretch")
    by_wording.dataframe(charts.gaps_frame(d, by="similarity"), hide_index=True, width="stretch")


def _flag_label(flag: sessions.SessionFlag) -> str:
    return {"any": "All sessions", "escalated": "Escalated", "abandoned": "Abandoned",
            "rated_down": "Rated 👎"}[flag.value]  # fmt: skip


def drill_down(filters: Filters) -> None:
    """A filterable, sortable session list; picking one shows its transcript."""
    search_col, flag_col = st.columns([3, 1])
    search = search_col.text_input("Search session titles", key="an_search", max_chars=200)
    flag = flag_col.selectbox("Show", list(sessions.SessionFlag), format_func=_flag_label,
                              key="an_flag") or sessions.SessionFlag.ANY  # fmt: skip
    try:
        with session_scope(get_engine()) as session:
            rows, total = sessions.list_sessions(session=session, filters=filters, search=search,
                                                 flag=flag)  # fmt: skip
    except StudioError as error:
        st.error(str(error))
        return
    if not rows:
        st.info("No session matches: clear the search or pick “All sessions”.")
        return
    shown = f"the newest {len(rows):,} of {total:,}" if total > len(rows) else f"{total:,}"
    st.caption(f"Showing {shown} sessions; click a column header to sort.")
    st.dataframe(
        [r.model_dump() for r in rows],
        hide_index=True,
        width="stretch",
        height=280,
        column_order=COLUMNS,
        column_config={
            "id": st.column_config.NumberColumn("Session", format="%d"),
            "started_at": st.column_config.DatetimeColumn(
                "Started (UTC)", format="YYYY-MM-DD HH:mm"
            ),
            "title": "First message",
            "assistant": "Assistant",
            "version": "Version",
            "source": "Source",
            "turns": st.column_config.NumberColumn("Turns", format="%d"),
            "escalated": "Escalated",
            "abandoned": "Abandoned",
        },
    )
    labels = {r.id: f"#{r.id} · {r.title[:60]}" for r in rows}
    picked = st.selectbox("Read a session", list(labels), format_func=labels.__getitem__,
                          index=None, placeholder="Pick a session to read its transcript",
                          key="an_session")  # fmt: skip
    if picked is not None:
        transcript(int(picked))


def transcript(session_id: int) -> None:
    try:
        with session_scope(get_engine()) as session:
            turns = sessions.transcript(session=session, session_id=session_id)
    except StudioError as error:
        st.error(str(error))
        return
    st.markdown(f"**Transcript of session #{session_id}** · {len(turns)} turn(s)")
    for record in turns:
        _turn(record)


def _turn(t: TurnRecord) -> None:
    with st.chat_message("user"):
        untrusted.markdown(t.user_message)
        tags = " · ".join(x for x in (t.intent, t.emotion, t.urgency) if x)
        tagger = f" ({tagger_caption(t.tagger)})" if tags else ""
        st.caption(f"{t.created_at:%Y-%m-%d %H:%M:%S} UTC · {tags or 'untagged'}{tagger}")
    with st.chat_message("assistant"):
        if t.reply:
            untrusted.markdown(t.reply)
        else:
            st.warning("No reply: " + untrusted.safe(t.error or "the turn failed."))
        facts = [f"{t.status.value}", f"{t.latency_ms or 0:,.0f} ms",
                 f"{t.prompt_tokens + t.completion_tokens:,} tokens", f"${t.cost_usd:.4f}",
                 f"model {untrusted.safe(t.model)}"]  # fmt: skip
        if t.escalated:
            facts.append("escalated")
        if t.grounded is False:
            facts.append("not grounded")
        if t.lint_flags:
            facts.append("flags: " + ", ".join(untrusted.safe(f) for f in t.lint_flags))
        st.caption(" · ".join(facts))
        cited = [p for p in t.retrieved if p.get("passed_threshold")]
        if cited:
            names = [untrusted.safe(str(p.get("document_name", "?"))) for p in cited]
            scores = [float(p.get("score", 0)) for p in cited]
            st.caption("Sources: " + "; ".join(
                f"{n} ({s:.2f})" for n, s in zip(names, scores, strict=True)))  # fmt: skip
        for call in t.tool_calls:
            with st.expander(f"Tool call: {untrusted.safe(str(call.get('name', '?')))}"):
                st.json({"arguments": call.get("arguments"), "result": call.get("result")})
        if t.rating is not None:
            thumb = "👍" if t.rating > 0 else "👎"
            st.caption(f"Feedback: {thumb} {untrusted.safe(t.comment)}".strip())
        if t.corrected_reply:
            st.markdown("**Corrected reply:**")
            untrusted.markdown(t.corrected_reply)


def export(filters: Filters) -> None:
    """Download the filtered sessions and turns (CSV, JSONL)."""
    st.markdown("**Export what the filters select**")
    if st.button("Prepare export files", key="an_prepare"):
        try:
            with session_scope(get_engine()) as session:
                st.session_state[EXPORT] = {
                    "key": filters.model_dump_json(),
                    "csv": sessions.export_turns_csv(session=session, filters=filters),
                    "jsonl": sessions.export_sessions_jsonl(session=session, filters=filters),
                }
        except StudioError as error:
            st.error(str(error))
    files = st.session_state.get(EXPORT)
    if files and files["key"] == filters.model_dump_json():
        left, right = st.columns(2)
        left.download_button("Turns (CSV)", files["csv"], file_name="turns.csv",
                             mime="text/csv", width="stretch")  # fmt: skip
        right.download_button("Sessions (JSONL, importable)", files["jsonl"],
                              file_name="sessions.jsonl", mime="application/jsonl",
                              width="stretch")  # fmt: skip
