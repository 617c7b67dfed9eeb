"""Stored suite runs as plain shapes: a run's summary, each case's outcome, reading them back."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from studio.compare.assertions import CheckResult
from studio.core.errors import NotFound
from studio.core.models import SuiteResult, SuiteRun

Outcome = Literal["passed", "failed", "error", "not_run"]


class TurnSnapshot(BaseModel):
    """What the drill-down shows of one turn of a case."""

    message: str
    reply: str
    status: str
    error: str | None = None
    tool_calls: list[dict[str, object]] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    escalated: bool = False
    latency_ms: float = 0.0


class TurnChecks(BaseModel):
    turn: int  # 1-based
    checks: list[CheckResult]


class CaseOutcome(BaseModel):
    """One case in one run: the outcome, why, each check, the transcript."""

    case_id: int | None
    case_name: str
    position: int
    outcome: Outcome
    reason: str
    checks: list[TurnChecks] = Field(default_factory=list)
    transcript: list[TurnSnapshot] = Field(default_factory=list)
    session_id: int | None = None
    latency_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class RunSummary(BaseModel):
    id: int
    suite_id: int
    assistant_id: int
    group_key: str
    side: int
    variant_label: str
    version_number: int | None
    config_hash: str
    backend: str
    model: str
    status: str
    total_cases: int
    passed: int
    failed: int
    errored: int
    not_run: int
    started_at: datetime
    finished_at: datetime | None

    @property
    def run_count(self) -> int:
        """Cases that ran (passed, failed or errored)."""
        return self.passed + self.failed + self.errored

    @property
    def pass_rate(self) -> float | None:
        """Percentage of the cases that ran which passed; None when none ran."""
        return 100.0 * self.passed / self.run_count if self.run_count else None


class RunDetail(RunSummary):
    results: list[CaseOutcome]


def summary_of(row: SuiteRun) -> RunSummary:
    """A stored run's summary."""
    return RunSummary.model_validate(row, from_attributes=True)


# --------------------------------------------------------------------------- reading runs


def list_runs(*, session: Session, suite_id: int, limit: int = 50) -> list[RunSummary]:
    """The suite's runs, newest first."""
    rows = session.exec(
        select(SuiteRun)
        .where(col(SuiteRun.suite_id) == suite_id)
        .order_by(col(SuiteRun.started_at).desc(), col(SuiteRun.id).desc())
        .limit(limit)
    ).all()
    return [summary_of(r) for r in rows]


def get_run(*, session: Session, run_id: int) -> RunDetail:
    """A stored run with every case's outcome. Raises NotFound if it is gone."""
    row = session.get(SuiteRun, run_id)
    if row is None:
        raise NotFound("This run does not exist any more.")
    results = session.exec(
        select(SuiteResult)
        .where(col(SuiteResult.run_id) == run_id)
        .order_by(col(SuiteResult.position), col(SuiteResult.id))
    ).all()
    outcomes = [
        CaseOutcome(
            case_id=r.case_id,
            case_name=r.case_name,
            position=r.position,
            outcome=r.outcome,
            reason=r.reason,
            checks=[TurnChecks.model_validate(c) for c in r.checks],
            transcript=[TurnSnapshot.model_validate(t) for t in r.transcript],
            session_id=r.session_id,
            latency_ms=r.latency_ms,
            prompt_tokens=r.prompt_tokens,
            completion_tokens=r.completion_tokens,
            cost_usd=r.cost_usd,
        )
        for r in results
    ]
    return RunDetail(**summary_of(row).model_dump(), results=outcomes)


def group_runs(*, session: Session, group_key: str) -> list[RunDetail]:
    """The runs made together (one per variant), in side order."""
    ids = session.exec(
        select(SuiteRun.id).where(col(SuiteRun.group_key) == group_key).order_by(col(SuiteRun.side))
    ).all()
    return [get_run(session=session, run_id=i or 0) for i in ids]


def latest_run(
    *, session: Session, suite_id: int, assistant_id: int, config_hash: str
) -> RunSummary | None:
    """The newest completed run of the suite on exactly this configuration, or None."""
    row = session.exec(
        select(SuiteRun)
        .where(
            col(SuiteRun.suite_id) == suite_id,
            col(SuiteRun.assistant_id) == assistant_id,
            col(SuiteRun.config_hash) == config_hash,
            col(SuiteRun.status) == "completed",
        )
        .order_by(col(SuiteRun.started_at).desc(), col(SuiteRun.id).desc())
    ).first()
    return summary_of(row) if row is not None else None
