"""The publish gate: a version may be published when its latest suite run passes ≥ X % and (if
asked) no case that passed on the published version fails on it.

Settings live per assistant (`PublishGate`); the override reason is stored already for the admin
override that comes with sign-in.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field
from sqlmodel import Session

from studio.access import audit
from studio.access.roles import Permission, require
from studio.compare import runs
from studio.compare.runs import RunDetail, RunSummary
from studio.core.errors import InvalidInput
from studio.core.models import PublishGate, Suite, utcnow
from studio.design import assistants, versions


class GateSettings(BaseModel):
    suite_id: int | None = None
    enabled: bool = False
    min_pass_rate: Annotated[float, Field(ge=0, le=100)] = 100.0
    no_regressions: bool = True
    override_reason: Annotated[str, Field(max_length=500)] = ""


class GateVerdict(BaseModel):
    """Whether the candidate may be published, and every reason why not."""

    passed: bool
    reasons: list[str]
    regressions: list[str] = Field(default_factory=list)


class PublishCheck(BaseModel):
    """What the publish button shows: the gate, the candidate's and the published version's runs."""

    settings: GateSettings
    suite_name: str | None
    candidate: RunSummary | None
    published: RunSummary | None
    published_version: int | None
    verdict: GateVerdict


def get_gate(*, session: Session, assistant_id: int) -> GateSettings:
    """The assistant's gate settings (defaults, switched off, when none are saved)."""
    row = session.get(PublishGate, assistant_id)
    if row is None:
        return GateSettings()
    return GateSettings.model_validate(row, from_attributes=True)


def save_gate(*, session: Session, assistant_id: int, settings: GateSettings) -> GateSettings:
    """Store the gate settings; commits. Raises InvalidInput if switched on without a suite of
    this assistant."""
    require(Permission.EDIT_ASSISTANT)
    if settings.suite_id is not None:
        suite = session.get(Suite, settings.suite_id)
        if suite is None or suite.assistant_id != assistant_id:
            raise InvalidInput("Pick one of this assistant's suites for the gate.")
    elif settings.enabled:
        raise InvalidInput("Pick the suite the gate runs before switching it on.")
    row = session.get(PublishGate, assistant_id) or PublishGate(assistant_id=assistant_id)
    before = get_gate(session=session, assistant_id=assistant_id).model_dump(mode="json")
    audit.record(
        session=session,
        action="gate.save",
        target_type="assistant",
        target_id=assistant_id,
        target_label="publish gate",
        changes=audit.changes_between(before, settings.model_dump(mode="json")),
    )
    for key, value in settings.model_dump().items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    return get_gate(session=session, assistant_id=assistant_id)


def judge(
    candidate: RunDetail | None, baseline: RunDetail | None, settings: GateSettings
) -> GateVerdict:
    """Apply the gate's rules to a candidate run (and the published version's run)."""
    if candidate is None:
        return GateVerdict(passed=False, reasons=["run the suite on this version first"])
    reasons: list[str] = []
    rate = candidate.pass_rate
    if rate is None or rate < settings.min_pass_rate:
        shown = "no case ran" if rate is None else f"{rate:.0f}% passed"
        reasons.append(f"{shown}; the gate needs at least {settings.min_pass_rate:.0f}%")
    regressions: list[str] = []
    if settings.no_regressions and baseline is not None:
        before = {o.case_name for o in baseline.results if o.outcome == "passed"}
        regressions = [
            o.case_name
            for o in candidate.results
            if o.case_name in before and o.outcome != "passed"
        ]
        if regressions:
            names = ", ".join(regressions[:5]) + (" …" if len(regressions) > 5 else "")
            reasons.append(f"{len(regressions)} case(s) passed before and fail now: {names}")
    return GateVerdict(passed=not reasons, reasons=reasons, regressions=regressions)


def check_publish(*, session: Session, assistant_id: int, number: int) -> PublishCheck:
    """The gate's verdict on publishing version `number`. Raises NotFound if it does not exist."""
    settings = get_gate(session=session, assistant_id=assistant_id)
    version = versions.get_version(session=session, assistant_id=assistant_id, number=number)
    detail = assistants.get_assistant(session=session, assistant_id=assistant_id)
    suite = session.get(Suite, settings.suite_id) if settings.suite_id else None
    candidate = published = None
    if suite is not None and suite.id is not None:
        candidate = runs.latest_run(
            session=session,
            suite_id=suite.id,
            assistant_id=assistant_id,
            config_hash=version.config_hash,
        )
        if detail.published_version is not None and detail.published_version != number:
            current = versions.get_version(
                session=session, assistant_id=assistant_id, number=detail.published_version
            )
            published = runs.latest_run(
                session=session,
                suite_id=suite.id,
                assistant_id=assistant_id,
                config_hash=current.config_hash,
            )
    if not settings.enabled or suite is None:
        verdict = GateVerdict(passed=True, reasons=[])
    else:
        verdict = judge(
            runs.get_run(session=session, run_id=candidate.id) if candidate else None,
            runs.get_run(session=session, run_id=published.id) if published else None,
            settings,
        )
    return PublishCheck(
        settings=settings,
        suite_name=suite.name if suite else None,
        candidate=candidate,
        published=published,
        published_version=detail.published_version,
        verdict=verdict,
    )
