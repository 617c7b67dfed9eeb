"""The Knowledge page's view of its background indexing job: live progress with a Stop button
while it runs, then the result once, in the browser session that started it."""

from __future__ import annotations

import streamlit as st

from studio.knowledge import jobs
from studio.knowledge.jobs import IndexingJob
from studio.ui.resources import get_engine
from studio.ui.untrusted import safe

MY_JOBS = "kb_my_jobs"  # ids of the indexing jobs this browser session started
_SHOW_RESULT = "kb_show_job_result"  # the finished job whose result this run shows
_LABELS = {"upload": "Uploading", "reindex": "Re-indexing", "retry": "Retrying"}


def remember(job: IndexingJob) -> None:
    """Note that this session started `job`, so its result is shown here when it ends."""
    st.session_state.setdefault(MY_JOBS, []).append(job.id)


def job_panel(*, knowledge_base_id: int) -> None:
    """Progress of the running job, or the result of the last one if this session started it."""
    job = jobs.latest_job(get_engine(), knowledge_base_id)
    if job is None:
        return
    if not job.finished:
        _progress(knowledge_base_id)
        return
    mine: list[str] = st.session_state.get(MY_JOBS, [])
    if job.id in mine:
        # The page above may have been drawn while the job was still running (it ended during
        # this run): draw it again from the finished index, then show the result there.
        mine.remove(job.id)
        st.session_state[_SHOW_RESULT] = job.id
        st.rerun()
    if st.session_state.get(_SHOW_RESULT) == job.id:
        del st.session_state[_SHOW_RESULT]
        _result(job)


@st.fragment(run_every=1)
def _progress(knowledge_base_id: int) -> None:
    job = jobs.latest_job(get_engine(), knowledge_base_id)
    if job is None or job.finished:
        st.rerun()  # the whole page: counts, table and the result
        return
    with st.container(border=True):
        st.progress(job.fraction, text=f"{_LABELS[job.kind]}: {job.message}")
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.caption(
            "Indexing runs in the background: you can use other pages meanwhile. Uploads and "
            "re-indexing of this knowledge base wait until it is done."
        )
        if right.button("Stop", disabled=job.stop_requested, key="kb_job_stop"):
            jobs.request_stop(get_engine(), knowledge_base_id)
            st.rerun(scope="fragment")


def _result(job: IndexingJob) -> None:
    outcomes = list(job.outcomes)
    if job.kind == "upload" and outcomes:
        done = sum(o.outcome in ("added", "replaced", "unchanged") for o in outcomes)
        st.markdown(f"**Last upload: {done} of {len(outcomes)} file(s) indexed**")
    elif job.kind == "reindex" and outcomes:
        done = sum(o.outcome == "replaced" for o in outcomes)
        st.markdown(f"**Last re-index: {done} of {len(outcomes)} document(s) re-indexed**")
    elif job.kind == "retry" and outcomes:
        done = sum(o.outcome == "retried" for o in outcomes)
        st.markdown(f"**Last retry: {done} of {len(outcomes)} document(s) indexed**")
    if job.error:
        if job.stop_requested:
            st.warning(safe(job.error), icon=":material/stop_circle:")
        else:
            st.error(safe(job.error))
    for outcome in outcomes:
        if outcome.outcome == "failed":
            st.error(safe(outcome.message), icon=":material/error:")
        elif outcome.outcome in ("unchanged", "skipped"):
            st.info(safe(outcome.message), icon=":material/info:")
        else:
            st.success(safe(outcome.message), icon=":material/check_circle:")
