"""Running a suite against one or two variants: bounded threads, progress, Cancel, stored runs.

Every turn goes through `studio.chat.turn.run_turn` (logged with source SUITE). A run and its
results are written in one transaction when it ends, so there is never a half-written run; a
cancelled run keeps what finished and marks the rest "not run".
"""

from __future__ import annotations

import contextvars
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime

from sqlalchemy.engine import Engine

from studio.access.roles import Permission, require
from studio.chat import turn
from studio.chat.protocol import SIMULATOR_NAME, ChatBackend, ChatRequest
from studio.chat.results import TurnResult
from studio.chat.simulator import SIMULATOR_MODEL
from studio.compare import assertions
from studio.compare.assertions import Grader
from studio.compare.records import (
    CaseOutcome,
    Outcome,
    RunDetail,
    RunSummary,
    TurnChecks,
    TurnSnapshot,
    get_run,
    group_runs,
    latest_run,
    list_runs,
    summary_of,
)
from studio.compare.suites import CaseSpec, SuiteDetail
from studio.compare.variants import Variant
from studio.core.db import session_scope
from studio.core.errors import InvalidInput, ProviderError, StudioError
from studio.core.models import SuiteResult, SuiteRun, TurnSource, TurnStatus, utcnow
from studio.knowledge.store import KnowledgeStore

MAX_CONCURRENCY = 16
__all__ = [
    "CaseOutcome", "RunDetail", "RunSummary", "TurnChecks", "TurnSnapshot", "get_run",
    "group_runs", "latest_run", "list_runs", "make_grader", "run_case", "run_suite",
]  # fmt: skip


# --------------------------------------------------------------------------- one case


def make_grader(backend: ChatBackend, *, model: str) -> Grader | None:
    """A rubric grader on `backend`, or None for the simulator (it must never grade)."""
    if backend.name == SIMULATOR_NAME:
        return None

    def grade(rubric: str, message: str, reply: str) -> tuple[bool, str]:
        request = ChatRequest(
            messages=assertions.grading_messages(rubric, message, reply),
            model=model,
            temperature=0.0,
            max_tokens=120,
        )
        try:
            text = "".join(e.text for e in backend.stream_chat(request) if e.kind == "text")
        except ProviderError as error:
            return False, f"could not grade: {error.message}"
        return assertions.parse_grade(text)

    return grade


def _snapshot(result: TurnResult) -> TurnSnapshot:
    return TurnSnapshot(
        message=result.user_message,
        reply=result.reply,
        status=result.status.value,
        error=result.error,
        tool_calls=[
            {"name": c.name, "arguments": c.arguments, "ok": c.ok} for c in result.tool_calls
        ],
        citations=[c.label for c in result.citations],
        escalated=result.escalated,
        latency_ms=round(result.latency_ms, 1),
    )


def run_case(
    *,
    engine: Engine,
    backend: ChatBackend,
    variant: Variant,
    case: CaseSpec,
    position: int,
    store: KnowledgeStore | None = None,
    grader: Grader | None = None,
    model: str | None = None,
) -> CaseOutcome:
    """Play one case's turns as one conversation and judge every assertion."""
    outcome = CaseOutcome(
        case_id=case.id, case_name=case.name, position=position, outcome="passed", reason=""
    )
    results: list[TurnResult] = []
    failures: list[str] = []
    skipped = checked = 0
    for number, step in enumerate(case.turns, start=1):
        try:
            result = turn.run_turn(
                engine=engine,
                backend=backend,
                target=variant.target,
                message=step.message,
                history=turn.history_of(results),
                session_id=outcome.session_id,
                source=TurnSource.SUITE,
                store=store,
                model=model,
            )
        except StudioError as error:
            outcome.outcome, outcome.reason = "error", f"turn {number}: {error.message}"
            return outcome
        results.append(result)
        outcome.session_id = result.session_id
        outcome.transcript.append(_snapshot(result))
        outcome.latency_ms += result.latency_ms
        outcome.prompt_tokens += result.prompt_tokens
        outcome.completion_tokens += result.completion_tokens
        outcome.cost_usd += result.cost_usd
        judged = [
            assertions.evaluate(a, result, config=variant.target.config, grader=grader)
            for a in step.assertions
        ]
        outcome.checks.append(TurnChecks(turn=number, checks=judged))
        for check in judged:
            if check.passed is None:
                skipped += 1
            elif check.passed:
                checked += 1
            else:
                failures.append(f"turn {number}: {check.label} — {check.reason}")
        if result.status is TurnStatus.FAILED:
            outcome.outcome = "error"
            outcome.reason = f"turn {number}: {result.error or 'the model did not answer'}"
            return outcome
    if failures:
        outcome.outcome = "failed"
        more = f" (+{len(failures) - 1} more)" if len(failures) > 1 else ""
        outcome.reason = failures[0] + more
    else:
        outcome.reason = f"{checked} check(s) passed" + (
            f"; {skipped} model-graded check(s) skipped on the simulator" if skipped else ""
        )
    return outcome


# --------------------------------------------------------------------------- a whole run


def _store_run(
    *,
    engine: Engine,
    suite: SuiteDetail,
    variant: Variant,
    backend: ChatBackend,
    group_key: str,
    side: int,
    outcomes: list[CaseOutcome],
    cancelled: bool,
    started_at: datetime,
    model: str | None,
) -> RunDetail:
    counts = {k: sum(1 for o in outcomes if o.outcome == k) for k in Outcome.__args__}  # type: ignore[attr-defined]
    model = model or variant.target.config.model.model
    if backend.name == SIMULATOR_NAME:
        model = SIMULATOR_MODEL
    with session_scope(engine) as session:
        row = SuiteRun(
            suite_id=suite.id,
            assistant_id=variant.target.assistant_id,
            group_key=group_key,
            side=side,
            variant_label=variant.label[:300],
            variant=variant.spec.model_dump(mode="json"),
            version_number=variant.target.version_number,
            config_hash=variant.target.config_hash,
            backend=backend.name,
            model=model[:120],
            status="cancelled" if cancelled else "completed",
            total_cases=len(outcomes),
            passed=counts["passed"],
            failed=counts["failed"],
            errored=counts["error"],
            not_run=counts["not_run"],
            started_at=started_at,
            finished_at=utcnow(),
        )
        session.add(row)
        session.flush()
        for o in outcomes:
            session.add(
                SuiteResult(
                    run_id=row.id or 0,
                    case_id=o.case_id,
                    case_name=o.case_name[:200],
                    position=o.position,
                    outcome=o.outcome,
                    reason=o.reason,
                    checks=[c.model_dump(mode="json") for c in o.checks],
                    transcript=[t.model_dump(mode="json") for t in o.transcript],
                    session_id=o.session_id,
                    latency_ms=o.latency_ms,
                    prompt_tokens=o.prompt_tokens,
                    completion_tokens=o.completion_tokens,
                    cost_usd=o.cost_usd,
                )
            )
        session.commit()
        return RunDetail(**summary_of(row).model_dump(), results=outcomes)


def run_suite(
    *,
    engine: Engine,
    backend: ChatBackend,
    suite: SuiteDetail,
    variants: Sequence[Variant],
    store: KnowledgeStore | None = None,
    concurrency: int = 4,
    model: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[RunDetail]:
    """Run every case against each variant (one or two), `concurrency` cases at a time; store one
    run per variant. Raises InvalidInput if the suite has no cases or the variants are not 1–2.

    When `should_stop` turns true, cases not started are marked "not run" and the runs are
    stored as cancelled with the results that finished.
    """
    require(Permission.RUN_SUITES)
    if not suite.cases:
        raise InvalidInput("This suite has no cases yet: add or generate some first.")
    if not 1 <= len(variants) <= 2:
        raise InvalidInput("Run a suite against one or two variants.")
    workers = max(1, min(MAX_CONCURRENCY, concurrency))
    grader = make_grader(backend, model=model or variants[0].target.config.model.model)
    started_at = utcnow()
    jobs = [(side, pos) for side in range(len(variants)) for pos in range(len(suite.cases))]
    done: dict[tuple[int, int], CaseOutcome] = {}
    total, finished = len(jobs), 0
    lock = threading.Lock()
    cancelled = False
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="suite") as pool:
        pending: dict[Future[CaseOutcome], tuple[int, int]] = {}
        queue = list(reversed(jobs))
        while queue or pending:
            if should_stop is not None and should_stop():
                cancelled = True
                queue.clear()
            while queue and len(pending) < workers:
                side, position = queue.pop()
                future = pool.submit(
                    contextvars.copy_context().run,  # the cases run as whoever started the run
                    run_case,
                    engine=engine,
                    backend=backend,
                    variant=variants[side],
                    case=suite.cases[position],
                    position=position,
                    store=store,
                    grader=grader,
                    model=model,
                )
                pending[future] = (side, position)
            if not pending:
                break
            ready, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in ready:
                key = pending.pop(future)
                with lock:
                    done[key] = future.result()
                    finished += 1
                if on_progress is not None:
                    on_progress(finished, total)
    runs: list[RunDetail] = []
    group_key = uuid.uuid4().hex[:16]
    for side, variant in enumerate(variants):
        outcomes = [
            done.get(
                (side, position),
                CaseOutcome(
                    case_id=case.id,
                    case_name=case.name,
                    position=position,
                    outcome="not_run",
                    reason="not run: the run was cancelled before this case started",
                ),
            )
            for position, case in enumerate(suite.cases)
        ]
        runs.append(
            _store_run(
                engine=engine,
                suite=suite,
                variant=variant,
                backend=backend,
                group_key=group_key,
                side=side,
                outcomes=outcomes,
                cancelled=cancelled,
                started_at=started_at,
                model=model,
            )
        )
    return runs
