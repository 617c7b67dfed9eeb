"""A suite run in a background thread, so a page can show live progress and a Cancel button.

The page keeps only the job id in its session state; the job (thread, stop flag, progress) lives
here. A job's runs are stored by `run_suite` when it ends, cancelled or not.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from studio.compare.runs import RunDetail
from studio.core.errors import StudioError

log = logging.getLogger(__name__)
MAX_FINISHED_JOBS = 50


@dataclass
class SuiteJob:
    """One background run: progress, how it ended, and the stored runs."""

    id: str
    done: int = 0
    total: int = 0
    finished: bool = False
    error: str | None = None
    runs: list[RunDetail] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def fraction(self) -> float:
        """Progress between 0 and 1."""
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def group_key(self) -> str | None:
        """The key of the stored runs (None until they are stored)."""
        return self.runs[0].group_key if self.runs else None


_jobs: dict[str, SuiteJob] = {}
_lock = threading.Lock()

Runner = Callable[[Callable[[int, int], None], Callable[[], bool]], Sequence[RunDetail]]


def start_job(runner: Runner) -> str:
    """Start `runner(on_progress, should_stop)` in a thread; return the job's id."""
    job = SuiteJob(id=uuid.uuid4().hex)

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total

    def work() -> None:
        try:
            job.runs = list(runner(progress, job.stop.is_set))
        except StudioError as error:
            job.error = error.message
        except Exception:  # a bug must not vanish with its thread: log it, tell the page
            log.exception("A suite run failed")
            job.error = "The run failed unexpectedly; see the studio's log."
        finally:
            job.finished = True

    with _lock:
        finished = [k for k, j in _jobs.items() if j.finished]
        for key in finished[: max(0, len(finished) - MAX_FINISHED_JOBS)]:
            del _jobs[key]
        _jobs[job.id] = job
    context = contextvars.copy_context()  # the run acts as whoever started it
    threading.Thread(
        target=context.run, args=(work,), name=f"suite-{job.id[:8]}", daemon=True
    ).start()
    return job.id


def get_job(job_id: str) -> SuiteJob | None:
    """The job with this id, or None when it is unknown (e.g. after a restart)."""
    return _jobs.get(job_id)


def cancel_job(job_id: str) -> None:
    """Ask a job to stop: cases not started are marked "not run", finished ones are kept."""
    job = _jobs.get(job_id)
    if job is not None:
        job.stop.set()
