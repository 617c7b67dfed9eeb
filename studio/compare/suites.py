"""Test suites: named sets of scripted conversations, stored per assistant, edited as rows or YAML.

A case is one conversation of one or more user turns; each turn lists the assertions its reply
must meet. Saving checks every case against the assistant's draft (a tool an assertion names must
exist and be switched on) and replaces the suite's cases in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func
from sqlmodel import Session, col, select

from studio.access import audit
from studio.access.roles import Permission, require
from studio.chat.insights import MAX_MESSAGE_CHARS
from studio.compare.assertions import Assertion, CallsTool
from studio.core import safe_yaml
from studio.core.errors import (
    Conflict,
    FieldProblem,
    ImportFailed,
    InvalidInput,
    NotFound,
    problems_from_validation,
)
from studio.core.models import Suite, SuiteCase, utcnow
from studio.design.schemas import AssistantConfig

MAX_CASES = 500
MAX_TURNS = 20
MAX_ASSERTIONS = 20
MAX_YAML_BYTES = 1_000_000


class CaseTurn(BaseModel):
    """One user message of a case and what the reply to it must do."""

    model_config = ConfigDict(extra="forbid")

    message: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)]
    assertions: Annotated[list[Assertion], Field(max_length=MAX_ASSERTIONS)] = Field(
        default_factory=list
    )

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("type the customer's message")
        return value.strip()


class CaseSpec(BaseModel):
    """A scripted conversation: its name, turns and where it came from."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    turns: Annotated[list[CaseTurn], Field(min_length=1, max_length=MAX_TURNS)]
    origin: Annotated[str, Field(max_length=40)] = "manual"
    id: int | None = None


class SuiteFile(BaseModel):
    """A suite as YAML holds it (export and import)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=120)]
    description: Annotated[str, Field(max_length=500)] = ""
    cases: Annotated[list[CaseSpec], Field(max_length=MAX_CASES)]


class SuiteSummary(BaseModel):
    id: int
    assistant_id: int
    name: str
    description: str
    case_count: int
    updated_at: datetime


class SuiteDetail(SuiteSummary):
    cases: list[CaseSpec]


def config_problems(cases: list[CaseSpec], config: AssistantConfig) -> list[FieldProblem]:
    """Assertions that name a tool the configuration does not have or has switched off."""
    tools = {t.name: t for t in config.tools}
    problems: list[FieldProblem] = []
    for c_no, case in enumerate(cases, start=1):
        for t_no, turn in enumerate(case.turns, start=1):
            for a_no, check in enumerate(turn.assertions, start=1):
                if not isinstance(check, CallsTool):
                    continue
                where = f"cases[{c_no}].turns[{t_no}].assertions[{a_no}].tool"
                spec = tools.get(check.tool)
                if spec is None:
                    names = ", ".join(tools) or "none"
                    problems.append(
                        FieldProblem(where, f'there is no tool "{check.tool}" (tools: {names})')
                    )
                elif not spec.enabled:
                    problems.append(
                        FieldProblem(
                            where, f'"{check.tool}" is switched off; switch it on in Tools first'
                        )
                    )
    return problems


def _detail(session: Session, row: Suite) -> SuiteDetail:
    rows = session.exec(
        select(SuiteCase)
        .where(col(SuiteCase.suite_id) == row.id)
        .order_by(col(SuiteCase.position), col(SuiteCase.id))
    ).all()
    cases = [
        CaseSpec.model_validate({"name": r.name, "turns": r.turns, "origin": r.origin, "id": r.id})
        for r in rows
    ]
    assert row.id is not None
    return SuiteDetail(
        id=row.id,
        assistant_id=row.assistant_id,
        name=row.name,
        description=row.description,
        case_count=len(cases),
        updated_at=row.updated_at,
        cases=cases,
    )


def list_suites(*, session: Session, assistant_id: int) -> list[SuiteSummary]:
    """The assistant's suites by name, with their case counts."""
    counts = (
        select(SuiteCase.suite_id, func.count(col(SuiteCase.id)).label("n"))
        .group_by(col(SuiteCase.suite_id))
        .subquery()
    )
    rows = session.exec(
        select(Suite, counts.c.n)
        .join(counts, counts.c.suite_id == Suite.id, isouter=True)
        .where(col(Suite.assistant_id) == assistant_id)
        .order_by(col(Suite.name))
    ).all()
    return [
        SuiteSummary(
            id=s.id or 0,
            assistant_id=s.assistant_id,
            name=s.name,
            description=s.description,
            case_count=int(n or 0),
            updated_at=s.updated_at,
        )
        for s, n in rows
    ]


def get_suite(*, session: Session, suite_id: int) -> SuiteDetail:
    """A suite with its cases. Raises NotFound if it does not exist."""
    row = session.get(Suite, suite_id)
    if row is None:
        raise NotFound("This suite does not exist any more.")
    return _detail(session, row)


def find_suite(*, session: Session, assistant_id: int, name: str) -> SuiteDetail:
    """The assistant's suite called `name`. Raises NotFound naming the suites there are."""
    row = session.exec(
        select(Suite).where(col(Suite.assistant_id) == assistant_id, col(Suite.name) == name)
    ).first()
    if row is None:
        names = ", ".join(s.name for s in list_suites(session=session, assistant_id=assistant_id))
        raise NotFound(f'There is no suite "{name}" (suites: {names or "none yet"}).')
    return _detail(session, row)


def save_suite(
    *,
    session: Session,
    assistant_id: int,
    name: str,
    cases: list[CaseSpec],
    config: AssistantConfig,
    description: str = "",
    suite_id: int | None = None,
) -> SuiteDetail:
    """Create a suite (suite_id None) or replace one's name, description and cases; commits.

    Raises InvalidInput if the name is empty, there are no cases, or an assertion names a tool
    the configuration lacks; Conflict if another suite of the assistant has the name.
    """
    require(Permission.RUN_SUITES)
    clean = name.strip()
    problems: list[FieldProblem] = []
    if not clean or len(clean) > 120:
        problems.append(FieldProblem("name", "give the suite a name (120 characters at most)"))
    if not cases:
        problems.append(FieldProblem("cases", "add at least one case"))
    if len(cases) > MAX_CASES:
        problems.append(FieldProblem("cases", f"{MAX_CASES} cases at most"))
    problems += config_problems(cases, config)
    if problems:
        raise InvalidInput("The suite was not saved.", problems=problems)
    clash = session.exec(
        select(Suite).where(col(Suite.assistant_id) == assistant_id, col(Suite.name) == clean)
    ).first()
    if clash is not None and clash.id != suite_id:
        raise Conflict(f'This assistant already has a suite named "{clean}".')
    if suite_id is None:
        row = Suite(assistant_id=assistant_id, name=clean, description=description.strip())
        session.add(row)
        session.flush()
    else:
        found = session.get(Suite, suite_id)
        if found is None or found.assistant_id != assistant_id:
            raise NotFound("This suite does not exist any more.")
        row = found
        row.name, row.description, row.updated_at = clean, description.strip()[:500], utcnow()
        for old in session.exec(select(SuiteCase).where(col(SuiteCase.suite_id) == suite_id)):
            session.delete(old)
    for position, case in enumerate(cases):
        session.add(
            SuiteCase(
                suite_id=row.id or 0,
                position=position,
                name=case.name,
                origin=case.origin,
                turns=[t.model_dump(mode="json", exclude_none=True) for t in case.turns],
            )
        )
    audit.record(
        session=session,
        action="suite.create" if suite_id is None else "suite.update",
        target_type="suite",
        target_id=row.id,
        target_label=clean,
        changes=audit.changed(cases=(None, len(cases))),
    )
    session.commit()
    return _detail(session, row)


def delete_suite(*, session: Session, suite_id: int) -> None:
    """Delete a suite with its cases and runs. Raises NotFound if it is gone already."""
    require(Permission.RUN_SUITES)
    row = session.get(Suite, suite_id)
    if row is None:
        raise NotFound("This suite does not exist any more.")
    audit.record(
        session=session,
        action="suite.delete",
        target_type="suite",
        target_id=suite_id,
        target_label=row.name,
    )
    session.delete(row)
    session.commit()


# --------------------------------------------------------------------------- YAML


def load_yaml(text: str) -> Any:
    """Parse YAML text with bounded work (aliases, depth, size, no duplicate keys).
    Raises UnsafeDocument with the place in the file if it is malformed or too costly."""
    return safe_yaml.load_yaml(text)


def parse_suite_yaml(content: bytes | str) -> SuiteFile:
    """A suite from YAML. Raises ImportFailed with field-level problems if it does not validate."""
    if len(content) > MAX_YAML_BYTES:
        raise ImportFailed(f"The file is larger than {MAX_YAML_BYTES // 1000:,} KB.")
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    try:
        data = load_yaml(text)
    except safe_yaml.UnsafeDocument as exc:
        raise ImportFailed(exc.message, problems=exc.problems) from exc
    if not isinstance(data, dict):
        raise ImportFailed("The file must describe one suite: name, description and cases.")
    try:
        return SuiteFile.model_validate(data)
    except ValidationError as exc:
        raise ImportFailed(
            "The file does not describe a valid suite.", problems=problems_from_validation(exc)
        ) from exc


def suite_yaml(suite: SuiteDetail) -> str:
    """The suite as YAML (what `parse_suite_yaml` reads back)."""
    data = SuiteFile(name=suite.name, description=suite.description, cases=suite.cases)
    dumped = data.model_dump(mode="json", exclude_none=True, exclude={"cases": {"__all__": {"id"}}})
    return yaml.safe_dump(dumped, sort_keys=False, allow_unicode=True, width=100)


# --------------------------------------------------------------------------- table rows

ROW_COLUMNS = ("case", "turn", "message", "checks")


def rows_from_cases(cases: list[CaseSpec]) -> list[dict[str, Any]]:
    """One row per turn for a table editor; checks as YAML flow text."""
    rows: list[dict[str, Any]] = []
    for case in cases:
        for number, turn in enumerate(case.turns, start=1):
            checks = [a.model_dump(mode="json", exclude_none=True) for a in turn.assertions]
            rows.append(
                {
                    "case": case.name,
                    "turn": number,
                    "message": turn.message,
                    "checks": yaml.safe_dump(checks, default_flow_style=True, width=10_000).strip()
                    if checks
                    else "",
                }
            )
    return rows


def cases_from_rows(rows: list[dict[str, Any]], *, origins: dict[str, str]) -> list[CaseSpec]:
    """Cases from table rows (turns grouped by case name, in order). Raises InvalidInput naming
    the row and column of each problem."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    problems: list[FieldProblem] = []
    for number, row in enumerate(rows, start=1):
        name = str(row.get("case") or "").strip()
        message = str(row.get("message") or "").strip()
        if not name and not message:
            continue  # an empty row the editor added
        if not name:
            problems.append(FieldProblem(f"row {number}.case", "name the case"))
            continue
        raw = str(row.get("checks") or "").strip()
        try:
            checks = load_yaml(raw) if raw else []
        except yaml.YAMLError:
            problems.append(FieldProblem(f"row {number}.checks", "write the checks as YAML"))
            continue
        if isinstance(checks, dict):
            checks = [checks]
        grouped.setdefault(name, []).append(
            {"message": message, "assertions": checks, "_row": number}
        )
    cases: list[CaseSpec] = []
    for name, turns in grouped.items():
        try:
            cases.append(
                CaseSpec(
                    name=name,
                    origin=origins.get(name, "manual"),
                    turns=[
                        CaseTurn.model_validate({k: v for k, v in t.items() if k != "_row"})
                        for t in turns
                    ],
                )
            )
        except ValidationError as exc:
            for problem in problems_from_validation(exc):
                problems.append(FieldProblem(f"case {name!r}.{problem.field}", problem.message))
    if problems:
        raise InvalidInput("Some rows need fixing.", problems=problems)
    return cases
