"""Suites stored on SQLite and PostgreSQL: save, replace, checks against the draft, YAML, rows."""

from __future__ import annotations

import pytest
import yaml
from sqlmodel import Session

from studio.compare import suites
from studio.compare.assertions import CallsTool, Contains
from studio.compare.suites import CaseSpec, CaseTurn
from studio.core.errors import Conflict, ImportFailed, InvalidInput, NotFound
from studio.design import assistants, seeding


def shop(session: Session) -> assistants.AssistantDetail:
    seeding.seed_demo_assistants(session=session)
    found = next(
        a for a in assistants.list_assistants(session=session) if a.template == "ecommerce_support"
    )
    return assistants.get_assistant(session=session, assistant_id=found.id)


def case(name: str = "Greets", *checks: object) -> CaseSpec:
    return CaseSpec(
        name=name,
        turns=[CaseTurn(message="Hello!", assertions=list(checks) or [Contains(text="Nora")])],
    )


def test_save_list_replace_and_delete(session: Session) -> None:
    detail = shop(session)
    saved = suites.save_suite(
        session=session, assistant_id=detail.id, name=" Smoke ", cases=[case()], config=detail.draft
    )
    assert saved.name == "Smoke" and saved.case_count == 1 and saved.cases[0].id
    replaced = suites.save_suite(
        session=session,
        assistant_id=detail.id,
        name="Smoke",
        cases=[case("One"), case("Two")],
        config=detail.draft,
        suite_id=saved.id,
    )
    assert [c.name for c in replaced.cases] == ["One", "Two"]
    listed = suites.list_suites(session=session, assistant_id=detail.id)
    assert [(s.name, s.case_count) for s in listed] == [("Smoke", 2)]
    with pytest.raises(Conflict):
        suites.save_suite(
            session=session,
            assistant_id=detail.id,
            name="Smoke",
            cases=[case()],
            config=detail.draft,
        )
    suites.delete_suite(session=session, suite_id=saved.id)
    with pytest.raises(NotFound):
        suites.get_suite(session=session, suite_id=saved.id)


def test_a_suite_without_cases_or_name_is_refused(session: Session) -> None:
    detail = shop(session)
    with pytest.raises(InvalidInput) as caught:
        suites.save_suite(
            session=session, assistant_id=detail.id, name=" ", cases=[], config=detail.draft
        )
    fields = {p.field for p in caught.value.problems}
    assert fields == {"name", "cases"}
    assert suites.list_suites(session=session, assistant_id=detail.id) == []


def test_a_missing_or_switched_off_tool_is_named(session: Session) -> None:
    detail = shop(session)
    config = detail.draft.model_copy(deep=True)
    config.tools[1].enabled = False
    cases = [
        case("A", CallsTool(tool="refund_everything")),
        case("B", CallsTool(tool=config.tools[1].name)),
    ]
    with pytest.raises(InvalidInput) as caught:
        suites.save_suite(
            session=session, assistant_id=detail.id, name="X", cases=cases, config=config
        )
    messages = [str(p) for p in caught.value.problems]
    assert any('no tool "refund_everything"' in m for m in messages)
    assert any("switched off" in m and m.startswith("cases[2]") for m in messages)


def test_yaml_round_trip(session: Session) -> None:
    detail = shop(session)
    saved = suites.save_suite(
        session=session,
        assistant_id=detail.id,
        name="Round trip",
        cases=[case("Greets", Contains(text="Nora"), CallsTool(tool="get_order_status"))],
        config=detail.draft,
    )
    text = suites.suite_yaml(saved)
    parsed = suites.parse_suite_yaml(text)
    assert parsed.name == "Round trip" and parsed.cases[0].turns == saved.cases[0].turns
    assert "id:" not in text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name: [unclosed", "not valid YAML"),
        ("- just a list", "must describe one suite"),
        ("name: S\ncases:\n- name: C\n  turns: []\n", "cases[1].turns"),
        (
            "name: S\ncases:\n- name: C\n  turns:\n  - message: hi\n    assertions:\n"
            "    - kind: regex\n      pattern: '(oops'\n",
            "not a valid regular expression",
        ),
        (
            "name: S\ncases:\n- name: C\n  turns:\n  - message: hi\n    assertions:\n"
            "    - kind: telepathy\n",
            "cases[1].turns[1].assertions[1]",
        ),
    ],
)
def test_invalid_yaml_gets_field_level_errors(content: str, expected: str) -> None:
    with pytest.raises(ImportFailed) as caught:
        suites.parse_suite_yaml(content)
    assert expected in str(caught.value)


def test_table_rows_round_trip_and_name_the_bad_row() -> None:
    cases = [
        CaseSpec(
            name="Two turns",
            turns=[
                CaseTurn(message="Hi", assertions=[Contains(text="Nora")]),
                CaseTurn(message="Bye", assertions=[]),
            ],
        )
    ]
    rows = suites.rows_from_cases(cases)
    assert [r["turn"] for r in rows] == [1, 2]
    back = suites.cases_from_rows([*rows, {"case": "", "message": ""}], origins={})
    assert back[0].turns == cases[0].turns
    with pytest.raises(InvalidInput) as caught:
        suites.cases_from_rows(
            [{"case": "C", "message": "hi", "checks": "{kind: regex, pattern: '('}"}], origins={}
        )
    assert "not a valid regular expression" in str(caught.value)
    assert yaml.safe_load(rows[0]["checks"]) == [
        {"kind": "contains", "text": "Nora", "case_sensitive": False}
    ]
