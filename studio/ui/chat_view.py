"""Streamlit widgets of the Preview page: provider picker, chat transcript, inspector, feedback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from studio.chat import conversations, presets, protocol, turn
from studio.chat.results import TurnResult
from studio.chat.tag_labels import tagger_caption
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.errors import ProviderError, StudioError
from studio.core.models import TurnStatus
from studio.ui.resources import get_chat_backend, get_engine
from studio.ui.untrusted import markdown, plain, safe

PROVIDER = "preview_provider"
BASE_URL = "preview_base_url"
MODEL = "preview_model"
TRANSCRIPT = "preview_transcript"  # {"assistant_id", "session_id", "turns": [dict], "readonly"}
PENDING = "preview_pending"  # a message to (re)send on this run


@dataclass(frozen=True)
class ProviderChoice:
    backend: protocol.ChatBackend
    model: str | None  # None: the assistant's configured model (or the simulator)


def transcript(assistant_id: int) -> dict[str, Any]:
    """The conversation on screen for this assistant (a fresh one when the assistant changed)."""
    current = st.session_state.get(TRANSCRIPT)
    if not current or current.get("assistant_id") != assistant_id:
        current = {"assistant_id": assistant_id, "session_id": None, "turns": [], "readonly": False}
        st.session_state[TRANSCRIPT] = current
    return dict(current)


def new_conversation(assistant_id: int) -> None:
    """Start over: the next message opens a new logged session."""
    st.session_state[TRANSCRIPT] = {"assistant_id": assistant_id, "session_id": None,
                                    "turns": [], "readonly": False}  # fmt: skip


@st.cache_data(ttl=60, show_spinner=False)
def _models_at(preset: str, base_url: str | None) -> list[str]:
    return get_chat_backend(preset, base_url).list_models()


def provider_picker(default_model: str) -> ProviderChoice | None:
    """Provider, base URL and model; None (with a message shown) when the choice is unusable."""
    keys = [p.key for p in presets.PRESETS]
    settings = get_settings()
    if PROVIDER not in st.session_state and settings.llm_base_url:
        # A configured endpoint (STUDIO_LLM_BASE_URL) is where the page starts.
        st.session_state[PROVIDER] = "custom"
        st.session_state[BASE_URL] = settings.llm_base_url
    default_model = settings.llm_model or default_model
    with st.expander("Model provider", expanded=False, icon=":material/dns:"):
        preset = st.selectbox(
            "Provider",
            keys,
            key=PROVIDER,
            format_func=lambda k: presets.PRESETS_BY_KEY[k].label,
            help="The offline simulator needs no key and no network.",
        )
        chosen = presets.PRESETS_BY_KEY[preset]
        if chosen.base_url is None:
            st.caption("Deterministic replies built from your configuration and knowledge base, "
                       "so you can try the design before connecting a model.")  # fmt: skip
            return ProviderChoice(backend=get_chat_backend(preset), model=None)
        url = chosen.base_url
        if preset == "custom":
            url = st.text_input("Base URL", key=BASE_URL, placeholder="http://localhost:11434/v1")
        st.caption(f"API key: **{presets.api_key_status()}** · set STUDIO_LLM_API_KEY or "
                   "OPENAI_API_KEY (environment or .streamlit/secrets.toml).")  # fmt: skip
        try:
            backend = get_chat_backend(preset, url or None)
            models = _models_at(preset, url or None)
        except ProviderError as error:
            st.warning(safe(str(error)))
            return None
        options = sorted({*models, default_model})
        model = st.selectbox("Model", options, key=MODEL, index=options.index(
            default_model if default_model in models or not models else models[0]))  # fmt: skip
        return ProviderChoice(backend=backend, model=model)


def _metrics_table(r: TurnResult) -> pd.DataFrame:
    tags = r.tags
    rows = [
        ("Backend", r.backend_label), ("Model", r.model), ("Status", r.status.value),
        ("Prompt tokens", str(r.prompt_tokens)), ("Completion tokens", str(r.completion_tokens)),
        ("Time to first token", f"{r.ttft_ms:.0f} ms" if r.ttft_ms is not None else "—"),
        ("Total latency", f"{r.latency_ms:.0f} ms"),
        ("Estimated cost", f"${r.cost_usd:.6f}" + ("" if r.cost_known else " (no price set)")),
        ("Intent / emotion / urgency",
         " / ".join([tags.intent.value, tags.emotion.value, tags.urgency.value]) if tags else "—"),
        ("Tagger", tagger_caption(tags.tagger) if tags else "—"),
        ("Grounded", {True: "yes", False: "no", None: "n/a"}[r.grounded]),
        ("Escalated", "yes" if r.escalated else "no"),
        ("Lint flags", ", ".join(r.lint_flags) or "none"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["", "value"])


def inspector(r: TurnResult, index: int) -> None:
    """What happened in a turn: sources, tools, messages sent, numbers."""
    with st.expander("Inspector", icon=":material/search:"):
        sources, tools_tab, sent, numbers = st.tabs(
            ["Sources", "Tools", "Messages sent", "Metrics"]
        )
        with sources:
            if not r.passages:
                st.caption("Nothing was retrieved for this message.")
            for p in r.passages:
                mark = "used" if p.passed_threshold else "below the score threshold, not used"
                st.markdown(f"**{p.rank}. {plain(p.citation)}** — score {p.score:.2f} · {mark}")
                st.text(p.text[:400] + ("…" if len(p.text) > 400 else ""))
            if r.citations:
                st.markdown(
                    "**Cited:** "
                    + "; ".join(f"\\[{c.number}\\] {plain(c.label)}" for c in r.citations)
                )
        with tools_tab:
            if not r.tool_calls:
                st.caption("No tool was called.")
            for c in r.tool_calls:
                st.markdown(f"**{plain(c.name)}** · {'ran (mock)' if c.ok else 'rejected'}")
                st.code(c.raw_arguments or "{}", language="json")
                st.caption("Mock result" if c.ok else "Error returned to the model")
                st.code(c.result, language="json" if c.ok else None)
        with sent:
            st.json(r.messages, expanded=False)
        with numbers:
            st.dataframe(_metrics_table(r), hide_index=True, width="stretch")


def feedback(r: TurnResult, index: int) -> None:
    """👍/👎 with a comment, and "edit reply" storing the answer it should have given."""
    if r.turn_id is None:
        st.caption("This turn was not saved, so it cannot take feedback.")
        return
    row = st.container(horizontal=True)
    rating = None
    if row.button(
        "Good", key=f"up_{r.turn_id}", icon=":material/thumb_up:", help="👍 a good reply"
    ):
        rating = 1
    if row.button(
        "Bad", key=f"down_{r.turn_id}", icon=":material/thumb_down:", help="👎 a bad reply"
    ):
        rating = -1
    with row.popover("Comment or edit reply", icon=":material/edit:"):
        comment = st.text_input("Comment (optional)", key=f"comment_{r.turn_id}")
        corrected = st.text_area("What the assistant should have said", value=r.reply,
                                 key=f"edit_{r.turn_id}")  # fmt: skip
        if st.button("Save corrected reply", key=f"save_edit_{r.turn_id}"):
            _store(lambda s: conversations.correct_turn(session=s, turn_id=r.turn_id or 0,
                                                        corrected_reply=corrected),
                   "Corrected reply saved.")  # fmt: skip
    if rating is not None:
        _store(lambda s: conversations.rate_turn(session=s, turn_id=r.turn_id or 0,
                                                 rating=rating, comment=comment),
               "Thanks — feedback saved.")  # fmt: skip


def _store(action: Any, message: str) -> None:
    try:
        with session_scope(get_engine()) as session:
            action(session)
        st.toast(message, icon="✅")
    except StudioError as error:
        st.error(safe(str(error)))


def show_turn(r: TurnResult, index: int, *, last: bool, readonly: bool) -> None:
    """One exchange: the user's message, the reply (or the error), inspector and feedback."""
    with st.chat_message("user"):
        markdown(r.user_message)
    with st.chat_message("assistant"):
        if r.reply:
            markdown(r.reply)
        if r.citations:
            st.caption(
                "Sources: " + " · ".join(f"\\[{c.number}\\] {plain(c.label)}" for c in r.citations)
            )
        tags = r.tags
        notes: list[str] = []
        if tags is not None:
            notes += [
                tags.intent.value,
                tags.emotion.value,
                f"{tags.urgency.value} urgency",
                tagger_caption(tags.tagger),
            ]
        if r.escalated:
            notes.append("escalated to a person")
        notes += [f"lint: {flag}" for flag in r.lint_flags]
        if notes:
            st.caption(" · ".join(notes))
        if r.status is TurnStatus.PARTIAL:
            st.warning(safe(f"Reply incomplete — {r.error}"), icon=":material/warning:")
        elif r.status is TurnStatus.FAILED:
            st.error(safe(r.error or "The reply failed."), icon=":material/error:")
        if r.log_error:
            st.caption(safe(r.log_error))
        retryable = last and not readonly and r.status is not TurnStatus.OK
        if retryable and st.button("Retry", key=f"retry_{index}", icon=":material/refresh:"):
            st.session_state[PENDING] = r.user_message
            st.rerun()
        inspector(r, index)
        if not readonly:
            feedback(r, index)


def stream_reply() -> tuple[Any, list[str]]:
    """A placeholder that shows streamed text as it arrives, and the list collecting it."""
    placeholder = st.empty()
    pieces: list[str] = []

    def on_text(delta: str) -> None:
        pieces.append(delta)
        placeholder.markdown(safe("".join(pieces)) + " ▌")

    return on_text, pieces


def past_sessions(assistant_id: int) -> int | None:
    """A list of logged conversations; returns the id to reopen (read-only) when asked."""
    with session_scope(get_engine()) as session:
        sessions = conversations.list_sessions(session=session, assistant_id=assistant_id)
    with st.expander("Past conversations", icon=":material/history:"):
        if not sessions:
            st.caption("No conversations yet.")
            return None
        labels = {s.id: f"{s.last_turn_at:%Y-%m-%d %H:%M} · {s.title} · {s.turn_count} turn(s) · "
                        f"{s.model}" for s in sessions}  # fmt: skip
        chosen = st.selectbox("Conversation", list(labels), format_func=labels.__getitem__,
                              key="preview_past")  # fmt: skip
        if st.button("Open read-only", key="preview_open_past"):
            return int(chosen)
    return None


def load_session(assistant_id: int, session_id: int) -> None:
    """Show a logged conversation read-only. Raises NotFound if it was deleted."""
    with session_scope(get_engine()) as session:
        records = conversations.session_turns(session=session, session_id=session_id)
    st.session_state[TRANSCRIPT] = {
        "assistant_id": assistant_id, "session_id": session_id, "readonly": True,
        "turns": [turn.result_from_record(r).model_dump(mode="json") for r in records],
    }  # fmt: skip
