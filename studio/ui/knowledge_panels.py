"""Widgets of the Knowledge page: create, upload, documents, test retrieval, chunk preview and
re-index (uploads, retries and re-index start background jobs; see indexing_view). Each user
action opens one short database session."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from studio.access.roles import allows
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.design.schemas import RetrievalSettings
from studio.knowledge import bases, jobs
from studio.knowledge.bases import KnowledgeBaseInfo, KnowledgeStore, UploadedFile
from studio.knowledge.chunking import Chunk
from studio.knowledge.embeddings import DEFAULT_EMBEDDING, OPTIONS, preparation_status
from studio.knowledge.parsing import SUPPORTED_TYPES
from studio.ui import field_help, indexing_view, state
from studio.ui.permissions import KNOWLEDGE, lock
from studio.ui.resources import get_engine
from studio.ui.untrusted import markdown, plain, safe

SUPPORTED = ", ".join(f".{t}" for t in SUPPORTED_TYPES)


def _embedding_label(key: str) -> str:
    return OPTIONS[key].label


def create_form(*, store: KnowledgeStore, assistant_id: int) -> None:
    """A form to give the assistant its knowledge base."""
    st.info("This assistant has no knowledge base yet. Create one, then upload help-center files.")
    with st.form("kb_create"):
        name = st.text_input("Name", value="Help center", max_chars=120)
        embedding = st.selectbox(
            "Embedding",
            list(OPTIONS),
            format_func=_embedding_label,
            index=list(OPTIONS).index(DEFAULT_EMBEDDING),
            help=" ".join(f"{o.label}: {o.description}" for o in OPTIONS.values()),
        )
        left, right = st.columns(2)
        size = left.number_input(
            "Chunk size (characters)", 100, 4000, 800, step=50, help=field_help.CHUNK_SIZE
        )
        overlap = right.number_input(
            "Overlap (characters)", 0, 2000, 120, step=10, help=field_help.CHUNK_OVERLAP
        )
        if st.form_submit_button("Create knowledge base", type="primary", **lock(KNOWLEDGE)):
            try:
                with session_scope(get_engine()) as session:
                    bases.create_knowledge_base(
                        session=session,
                        store=store,
                        assistant_id=assistant_id,
                        name=name,
                        embedding=embedding,
                        chunk_size=int(size),
                        chunk_overlap=int(overlap),
                    )
            except StudioError as error:
                st.error(safe(str(error)))
                return
            state.flash("Knowledge base created.")
            st.rerun()


def upload_panel(*, store: KnowledgeStore, kb: KnowledgeBaseInfo, busy: bool) -> None:
    """Upload several files at once; they are indexed in the background (progress above)."""
    with st.form("kb_upload", clear_on_submit=True):
        files = st.file_uploader(
            "Add documents",
            accept_multiple_files=True,
            help=f"{SUPPORTED}; up to {store.settings.max_upload_mb:g} MB each. "
            "A file with the name of an existing document replaces it.",
            disabled=busy,
        )
        column = st.text_input(
            "CSV: index only this column (optional)",
            help="Leave empty to index each CSV row with all its columns.",
            disabled=busy,
        )
        submitted = st.form_submit_button(
            "Upload and index", type="primary", **lock(KNOWLEDGE, busy=busy)
        )
    if not submitted:
        return
    if not files:
        st.warning("Choose one or more files first.")
        return
    try:
        job = jobs.start_upload(
            engine=get_engine(),
            store=store,
            knowledge_base_id=kb.id,
            files=[UploadedFile(f.name, f.getvalue()) for f in files],
            csv_column=column.strip() or None,
        )
    except StudioError as error:
        st.error(safe(str(error)))
        return
    indexing_view.remember(job)
    st.rerun()


def documents_panel(*, store: KnowledgeStore, kb: KnowledgeBaseInfo, busy: bool) -> None:
    """The documents table, with retry and delete for one chosen document."""
    with session_scope(get_engine()) as session:
        docs = bases.list_documents(session=session, knowledge_base_id=kb.id)
    if not docs:
        st.caption("No documents yet.")
        return
    table = pd.DataFrame(
        [
            {
                "Document": d.name,
                "Type": d.file_type,
                "Status": d.status.value,
                "Chunks": d.chunk_count,
                "Size (KB)": round(d.size_bytes / 1024, 1),
                "Updated": d.updated_at,
                "Problem": d.error or "",
            }
            for d in docs
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "Updated": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Problem": st.column_config.TextColumn(width="large"),
        },
    )
    by_name = {d.name: d for d in docs}
    pending = [d for d in docs if d.status != "ready"]
    left, mid, right = st.columns([3, 1, 1], vertical_alignment="bottom")
    chosen = left.selectbox("Document", list(by_name), key="kb_doc_choice")
    doc = by_name[chosen]
    try:
        if mid.button(
            "Retry indexing",
            disabled=busy or doc.status == "ready" or not allows(KNOWLEDGE),
            help="Index this document again from the file kept at upload (it is ready when "
            "the button is off).",
        ):
            _start_retry(store=store, kb=kb, document_ids=[doc.id])
        if right.button("Delete", type="secondary", **lock(KNOWLEDGE, busy=busy)):
            with session_scope(get_engine()) as session:
                bases.delete_document(session=session, store=store, document_id=doc.id)
            state.flash(f'"{doc.name}" deleted.')
            st.rerun()
        if pending and st.button(
            f"Retry all {len(pending)} document(s) that are not ready",
            icon=":material/refresh:",
            disabled=busy or not allows(KNOWLEDGE),
            help="For documents that failed (e.g. the embedding endpoint was down) or whose "
            "indexing was interrupted.",
        ):
            _start_retry(store=store, kb=kb, document_ids=None)
    except StudioError as error:
        st.error(safe(str(error)))


def _start_retry(
    *, store: KnowledgeStore, kb: KnowledgeBaseInfo, document_ids: list[int] | None
) -> None:
    """Start indexing documents again in the background. Raises StudioError."""
    job = jobs.start_retry(
        engine=get_engine(), store=store, knowledge_base_id=kb.id, document_ids=document_ids
    )
    indexing_view.remember(job)
    st.rerun()


def retrieval_panel(
    *, store: KnowledgeStore, assistant_id: int, defaults: RetrievalSettings
) -> None:
    """Ask a question; see ranked chunks, scores, citations, and the threshold line."""
    query = st.text_input("Question", placeholder="e.g. How long do refunds take?", key="kb_query")
    cols = st.columns(4)
    top_k = cols[0].slider("Top-k", 1, 20, defaults.top_k, help=field_help.TOP_K)
    threshold = cols[1].slider(
        "Score threshold",
        0.0,
        1.0,
        defaults.score_threshold,
        0.01,
        help=field_help.SCORE_THRESHOLD,
    )
    hybrid = cols[2].toggle(
        "Hybrid (vector + keyword)", value=defaults.hybrid, help=field_help.HYBRID
    )
    weight = cols[3].slider(
        "Keyword weight",
        0.0,
        1.0,
        defaults.keyword_weight,
        0.05,
        disabled=not hybrid,
        help=field_help.KEYWORD_WEIGHT,
    )
    st.caption(
        "These controls only try things out; the assistant's own values are set on its "
        "retrieval settings."
    )
    if not query.strip():
        return
    settings = RetrievalSettings(
        top_k=top_k, score_threshold=threshold, hybrid=hybrid, keyword_weight=weight
    )
    try:
        with session_scope(get_engine()) as session:
            passages = bases.retrieve(
                session=session,
                store=store,
                assistant_id=assistant_id,
                query=query,
                settings=settings,
            )
    except StudioError as error:
        st.error(safe(str(error)))
        return
    if not passages:
        st.warning("Nothing found: the knowledge base has no indexed chunks yet.")
        return
    line_drawn = False
    for passage in passages:
        if not passage.passed_threshold and not line_drawn:
            st.markdown(
                f":red[**──── threshold {threshold:.2f} — passages below do not reach the "
                "assistant ────**]"
            )
            line_drawn = True
        icon = ":material/check_circle:" if passage.passed_threshold else ":material/block:"
        with st.container(border=True):
            st.markdown(
                f"{icon} **#{passage.rank} · score {passage.score:.3f}** · "
                + plain(passage.citation)
            )
            st.progress(min(max(passage.score, 0.0), 1.0))
            markdown(passage.text)
    if not line_drawn:
        st.caption(f"All {len(passages)} passages pass the threshold {threshold:.2f}.")


CHUNKING_HELP = (
    "Size / overlap in characters. Each chunk also fits the embedding model's window (128 tokens "
    "for MiniLM, title and heading included), so all of it reaches the vector."
)


def model_preparation_notice(*, kb: KnowledgeBaseInfo | None) -> None:
    """While the built-in 8-bit model is derived (once per machine, in the background), its
    progress; why, if that failed."""
    if (kb.embedding if kb else DEFAULT_EMBEDDING) != DEFAULT_EMBEDDING:
        return
    status = preparation_status(get_settings())
    if status.state == "running":
        _preparation_progress()
    elif status.state == "failed":
        st.warning(status.message, icon=":material/warning:")


@st.fragment(run_every=1)
def _preparation_progress() -> None:
    status = preparation_status(get_settings())
    if status.state != "running":
        st.rerun()  # the whole page, now that the model is ready (or failed)
        return
    st.progress(
        status.fraction,
        text=f"Preparing the built-in embedding, once on this machine: {status.message}…",
    )
    st.caption("Uploads wait until it is ready; everything else works meanwhile.")


def _chunk_label(chunk: Chunk, window: int | None) -> str:
    where = " · ".join(p for p in (chunk.heading, f"p. {chunk.page}" if chunk.page else "") if p)
    size = f"{chunk.tokens} tokens · " if chunk.tokens is not None else ""
    mark = ""
    if chunk.metadata_only:
        mark = " · :orange[only metadata: not indexed]"
    elif chunk.cut:
        mark = f" · :red[cut: the model reads only {window} tokens]"
    label = f"#{chunk.chunk_no} · {size}{len(chunk.text)} chars · "
    return label + (plain(where) if where else "no heading") + mark


def preview_panel(*, store: KnowledgeStore, kb: KnowledgeBaseInfo) -> None:
    """Chunk a file with chosen size and overlap, without indexing it: each chunk's tokens as the
    embedding model counts them, chunks it would cut and metadata-only chunks marked."""
    file = st.file_uploader("File to preview", key="kb_preview_file")
    left, right = st.columns(2)
    size = left.slider(
        "Chunk size (characters)",
        100,
        4000,
        kb.chunk_size,
        50,
        key="kb_preview_size",
        help=field_help.CHUNK_SIZE,
    )
    overlap = right.slider(
        "Overlap (characters)",
        0,
        2000,
        kb.chunk_overlap,
        10,
        key="kb_preview_overlap",
        help=field_help.CHUNK_OVERLAP,
    )
    if file is None:
        st.caption("Choose a file to see how it would be split.")
        return
    try:
        budget = store.embedder(kb.embedding).token_budget()
        chunks = bases.preview_chunks(
            name=file.name,
            data=file.getvalue(),
            chunk_size=size,
            chunk_overlap=overlap,
            budget=budget,
        )
    except StudioError as error:
        st.error(safe(str(error)))
        return
    indexed = [c for c in chunks if not c.metadata_only]
    cut = sum(c.cut for c in indexed)
    longest = max((c.tokens or 0 for c in indexed), default=0)
    summary = (
        f"**{len(indexed)} chunks** · longest {longest} of the {budget.max_tokens} tokens "
        f"{kb.embedding_short} reads"
    )
    if cut:
        summary += f" · :red[{cut} would be cut]"
    if len(indexed) < len(chunks):
        summary += f" · {len(chunks) - len(indexed)} metadata-only left out"
    st.markdown(summary)
    for chunk in chunks[:50]:
        with st.expander(_chunk_label(chunk, budget.max_tokens)):
            st.text(chunk.text)
    if len(chunks) > 50:
        st.caption(f"…and {len(chunks) - 50} more.")


def reindex_panel(*, store: KnowledgeStore, kb: KnowledgeBaseInfo, busy: bool) -> None:
    """Change the embedding or chunking and rebuild the index in the background (confirmed)."""
    with st.form("kb_reindex"):
        embedding = st.selectbox(
            "Embedding",
            list(OPTIONS),
            format_func=_embedding_label,
            index=list(OPTIONS).index(kb.embedding),
            disabled=busy,
        )
        left, right = st.columns(2)
        size = left.number_input(
            "Chunk size (characters)",
            100,
            4000,
            kb.chunk_size,
            step=50,
            disabled=busy,
            help=field_help.CHUNK_SIZE,
        )
        overlap = right.number_input(
            "Overlap (characters)",
            0,
            2000,
            kb.chunk_overlap,
            step=10,
            disabled=busy,
            help=field_help.CHUNK_OVERLAP,
        )
        confirm = st.checkbox(
            f"Re-index all {kb.document_count} documents now (the current index keeps answering "
            "until the new one is ready).",
            disabled=busy,
        )
        submitted = st.form_submit_button("Re-index all", **lock(KNOWLEDGE, busy=busy))
    if not submitted:
        return
    if not confirm:
        st.warning("Tick the confirmation box to re-index.")
        return
    try:
        job = jobs.start_reindex(
            engine=get_engine(),
            store=store,
            knowledge_base_id=kb.id,
            embedding=embedding,
            chunk_size=int(size),
            chunk_overlap=int(overlap),
        )
    except StudioError as error:
        st.error(f"Re-indexing did not start; nothing changed. {error}")
        return
    indexing_view.remember(job)
    st.rerun()
