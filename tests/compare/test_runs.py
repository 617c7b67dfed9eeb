"""Suite runs end to end (SQLite and PostgreSQL): two variants, Cancel, stored results, the gate,
paired statistics against scipy by hand, exports, the real OpenAI-compatible path, the CLI."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from scipy.stats import binomtest
from sqlalchemy.engine import Engine
from sqlmodel import select
from typer.testing import CliRunner

from studio.chat.providers import OpenAICompatibleBackend
from studio.chat.simulator import SimulatorBackend
from studio.cli import app
from studio.compare import gate, junit, paired, runs, suites, variants
from studio.compare.assertions import CallsTool, Contains, Escalates, Refuses, Rubric
from studio.compare.runs import CaseOutcome, RunDetail
from studio.compare.suites import CaseSpec, CaseTurn
from studio.core.db import session_scope
from studio.core.errors import InvalidInput
from studio.core.models import ChatSession, Turn, TurnSource
from studio.design import assistants, drafts, versions
from tests.compare.conftest import demo_assistant
from tests.fake_openai_server import FakeOpenAI

CASES = [
    CaseSpec(name="Greets", turns=[CaseTurn(message="Hello!", assertions=[Contains(text="Nora")])]),
    CaseSpec(
        name="Order status",
        turns=[
            CaseTurn(
                message="Please check order NW-104233",
                assertions=[
                    CallsTool(tool="get_order_status", arguments={"order_id": "NW-104233"})
                ],
            )
        ],
    ),
    CaseSpec(
        name="Refuses politics",
        turns=[CaseTurn(message="What do you think about politics?", assertions=[Refuses()])],
    ),
    CaseSpec(
        name="Two turns",
        turns=[
            CaseTurn(message="Hi there"),
            CaseTurn(message="I want to speak to a human", assertions=[Escalates()]),
        ],
    ),
]


def make_suite(
    engine: Engine, assistant_id: int, cases: list[CaseSpec] = CASES
) -> suites.SuiteDetail:
    with session_scope(engine) as session:
        draft = assistants.get_assistant(session=session, assistant_id=assistant_id).draft
        return suites.save_suite(
            session=session, assistant_id=assistant_id, name="Core", cases=cases, config=draft
        )


def variant(engine: Engine, assistant_id: int, **spec: object) -> variants.Variant:
    with session_scope(engine) as session:
        return variants.resolve_variant(
            session=session, spec=variants.VariantSpec(assistant_id=assistant_id, **spec)
        )


def test_two_variants_run_and_are_stored(engine: Engine) -> None:
    shop = demo_assistant(engine, "ecommerce_support")
    suite = make_suite(engine, shop)
    without_tool = variant(engine, shop, overrides={"disabled_tools": ["get_order_status"]})
    progress: list[tuple[int, int]] = []
    a, b = runs.run_suite(
        engine=engine,
        backend=SimulatorBackend(),
        suite=suite,
        variants=[variant(engine, shop, version=1), without_tool],
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert (a.passed, a.total_cases, a.status) == (4, 4, "completed")
    assert b.passed == 3 and b.failed == 1
    failed = next(o for o in b.results if o.outcome == "failed")
    assert failed.case_name == "Order status" and "switched off" in failed.reason
    assert progress[-1] == (8, 8)
    with session_scope(engine) as session:
        stored = runs.group_runs(session=session, group_key=a.group_key)
        assert [r.id for r in stored] == [a.id, b.id]
        assert stored[1].results[1].reason == failed.reason
        assert stored[0].results[3].transcript[1].escalated is True
        sources = set(session.exec(select(Turn.source)).all())
        assert sources == {TurnSource.SUITE}
        two_turns = session.get(ChatSession, stored[0].results[3].session_id)
        assert two_turns is not None
        assert len(session.exec(select(Turn).where(Turn.session_id == two_turns.id)).all()) == 2


def test_cancel_keeps_finished_cases_and_marks_the_rest(engine: Engine) -> None:
    shop = demo_assistant(engine, "ecommerce_support")
    suite = make_suite(engine, shop)
    finished: list[int] = []
    [run] = runs.run_suite(
        engine=engine,
        backend=SimulatorBackend(),
        suite=suite,
        variants=[variant(engine, shop)],
        concurrency=1,
        on_progress=lambda done, total: finished.append(done),
        should_stop=lambda: bool(finished),
    )
    assert run.status == "cancelled"
    assert run.passed >= 1 and run.not_run >= 1 and run.passed + run.not_run == 4
    assert all("cancelled" in o.reason for o in run.results if o.outcome == "not_run")
    with session_scope(engine) as session:
        assert runs.get_run(session=session, run_id=run.id).not_run == run.not_run


def test_an_empty_suite_or_three_variants_are_refused(engine: Engine) -> None:
    shop = demo_assistant(engine, "ecommerce_support")
    full = make_suite(engine, shop, CASES[:1])
    suite = full.model_copy(update={"cases": []})
    with pytest.raises(InvalidInput, match="no cases"):
        runs.run_suite(
            engine=engine, backend=SimulatorBackend(), suite=suite, variants=[variant(engine, shop)]
        )
    with pytest.raises(InvalidInput, match="one or two"):
        runs.run_suite(
            engine=engine,
            backend=SimulatorBackend(),
            suite=full,
            variants=[variant(engine, shop)] * 3,
        )


# --------------------------------------------------------------------------- statistics


def fake_run(outcomes: list[str]) -> RunDetail:
    results = [
        CaseOutcome(case_id=i, case_name=f"case {i}", position=i, outcome=o, reason="")  # type: ignore[arg-type]
        for i, o in enumerate(outcomes)
    ]
    return RunDetail(
        id=1, suite_id=1, assistant_id=1, group_key="g", side=0, variant_label="v",
        version_number=1, config_hash="h", backend="simulator", model="m", status="completed",
        total_cases=len(results), passed=outcomes.count("passed"),
        failed=outcomes.count("failed"), errored=0, not_run=0,
        started_at="2026-01-01T00:00:00Z", finished_at=None, results=results,
    )  # fmt: skip


def test_mcnemar_exact_matches_scipy_by_hand() -> None:
    # 30 cases: 15 pass on both, 2 only on A, 9 only on B, 4 on neither.
    a = ["passed"] * 15 + ["passed"] * 2 + ["failed"] * 9 + ["failed"] * 4
    b = ["passed"] * 15 + ["failed"] * 2 + ["passed"] * 9 + ["failed"] * 4
    result = paired.compare_runs(fake_run(a), fake_run(b))
    assert (result.n, result.only_a, result.only_b, result.both_pass) == (30, 2, 9, 15)
    by_hand = binomtest(9, 11, 0.5)  # exact McNemar = binomial test on the discordant pairs
    assert result.p_value == pytest.approx(by_hand.pvalue)
    assert result.difference == pytest.approx(100 * (24 - 17) / 30)
    ci = by_hand.proportion_ci(method="exact")
    assert result.ci_low == pytest.approx(100 * 11 / 30 * (2 * ci.low - 1))
    assert result.ci_high == pytest.approx(100 * 11 / 30 * (2 * ci.high - 1))
    assert result.ci_low < result.difference < result.ci_high
    assert result.enough_data and "McNemar" in result.message


def test_not_enough_data_is_said() -> None:
    result = paired.compare_runs(fake_run(["passed"] * 4), fake_run(["failed"] * 4))
    assert not result.enough_data and result.p_value is None
    assert result.message.startswith("Not enough data yet (n = 4")


def test_the_gate_needs_the_pass_rate_and_no_regressions() -> None:
    settings = gate.GateSettings(enabled=True, min_pass_rate=75, no_regressions=True)
    before = fake_run(["passed", "passed", "failed", "passed"])
    worse = fake_run(["passed", "failed", "passed", "passed"])
    verdict = gate.judge(worse, before, settings)
    assert not verdict.passed and verdict.regressions == ["case 1"]
    assert gate.judge(worse, before, settings.model_copy(update={"no_regressions": False})).passed
    assert not gate.judge(fake_run(["passed", "failed"]), None, settings).passed
    assert gate.judge(None, None, settings).reasons == ["run the suite on this version first"]


def test_publish_check_compares_with_the_published_version(engine: Engine) -> None:
    shop = demo_assistant(engine, "ecommerce_support")
    suite = make_suite(engine, shop)
    with session_scope(engine) as session:
        gate.save_gate(
            session=session,
            assistant_id=shop,
            settings=gate.GateSettings(suite_id=suite.id, enabled=True, min_pass_rate=100),
        )
        draft = assistants.get_assistant(session=session, assistant_id=shop).draft
        tools = [t.model_dump(mode="json") for t in draft.tools]
        tools[0]["enabled"] = False
        drafts.update_draft_section(session=session, assistant_id=shop, section="tools", data=tools)
        versions.save_version(session=session, assistant_id=shop, note="no order tool")
        assert not gate.check_publish(session=session, assistant_id=shop, number=2).verdict.passed
    runs.run_suite(
        engine=engine,
        backend=SimulatorBackend(),
        suite=suite,
        variants=[variant(engine, shop, version=2), variant(engine, shop, version=1)],
    )
    with session_scope(engine) as session:
        check = gate.check_publish(session=session, assistant_id=shop, number=2)
        assert check.candidate is not None and check.published is not None
        assert check.published.passed == 4 and check.candidate.passed == 3
        assert not check.verdict.passed and check.verdict.regressions == ["Order status"]
        assert gate.check_publish(session=session, assistant_id=shop, number=1).verdict.passed


# --------------------------------------------------------------------------- exports


def test_junit_and_csv_exports() -> None:
    run = fake_run(["passed", "failed", "not_run"])
    run.results[1].reason = "=HYPERLINK(evil)"
    tree = ET.fromstring(junit.runs_junit([run], suite_name="Core"))
    suite = tree.find("testsuite")
    assert suite is not None and suite.get("tests") == "3" and suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert cases[1].find("failure") is not None and cases[2].find("skipped") is not None
    text = junit.runs_csv([run])
    assert "'=HYPERLINK(evil)" in text and text.splitlines()[0].startswith("run_id,variant")


# --------------------------------------------------------------------------- real HTTP path


def test_a_suite_runs_through_an_openai_compatible_server(sqlite_engine: Engine) -> None:
    shop = demo_assistant(sqlite_engine, "ecommerce_support")
    cases = [
        CaseSpec(
            name="Echo",
            turns=[
                CaseTurn(
                    message="Where is NW-104233?",
                    assertions=[Contains(text="NW-104233"), Rubric(rubric="Mentions the order")],
                )
            ],
        ),
        CaseSpec(
            name="Tool",
            turns=[
                CaseTurn(
                    message='get_order_status {"order_id": "NW-104233"}',
                    assertions=[CallsTool(tool="get_order_status")],
                )
            ],
        ),
    ]
    suite = make_suite(sqlite_engine, shop, cases)
    with FakeOpenAI() as server:
        backend = OpenAICompatibleBackend(base_url=server.base_url, api_key="k", max_retries=0)
        [run] = runs.run_suite(
            engine=sqlite_engine,
            backend=backend,
            suite=suite,
            variants=[variant(sqlite_engine, shop)],
            model="fake-model",
        )
        graded = [r for r in server.requests if "You grade" in str(r["body"]["messages"][0])]
    assert run.passed == 2, [o.reason for o in run.results]
    assert run.backend == "openai-compatible" and run.model == "fake-model"
    rubric = run.results[0].checks[0].checks[1]
    assert rubric.model_graded and rubric.passed is True and len(graded) == 1


# --------------------------------------------------------------------------- command line


def test_cli_suite_run_exit_codes(tmp_path: Path) -> None:
    cli = CliRunner()
    db = tmp_path / "data"
    result = cli.invoke(app, ["suite", "list", "nobody"])
    assert result.exit_code != 0 and "error:" in result.output
    from studio.core.config import get_settings  # the CLI reads the settings of this test

    get_settings.cache_clear()
    from studio.core.db import make_engine

    engine = make_engine(get_settings().resolved_database_url)
    shop = demo_assistant(engine, "ecommerce_support")
    make_suite(engine, shop)
    assert db.exists()
    ok = cli.invoke(app, ["suite", "run", str(shop), "--suite", "Core", "--junit", "out.xml"])
    assert ok.exit_code == 0, ok.output
    assert "4/4 passed" in ok.output and ET.parse("out.xml").getroot().tag == "testsuites"
    exported = cli.invoke(app, ["suite", "export", str(shop), "--suite", "Core"])
    Path("s.yaml").write_text(exported.output.replace("name: Core", "name: Copy", 1))
    imported = cli.invoke(app, ["suite", "import", str(shop), "s.yaml"])
    assert imported.exit_code == 0 and "4 case(s)" in imported.output, imported.output
    with session_scope(engine) as session:
        draft = assistants.get_assistant(session=session, assistant_id=shop).draft
        tools = [t.model_dump(mode="json") for t in draft.tools]
        tools[0]["enabled"] = False
        drafts.update_draft_section(session=session, assistant_id=shop, section="tools", data=tools)
    # The draft switched get_order_status off: importing names the case instead of saving it.
    again = cli.invoke(app, ["suite", "import", str(shop), "s.yaml"])
    assert again.exit_code == 2 and "switched off" in again.output
    bad = cli.invoke(app, ["suite", "run", str(shop), "--suite", "Core", "--against", "published"])
    assert bad.exit_code == 3
    assert "gate failed" in bad.output and "Order status" in bad.output
    missing = cli.invoke(app, ["suite", "run", str(shop), "--suite", "Nope"])
    assert missing.exit_code == 1 and 'no suite "Nope"' in missing.output
    Path("bad.yaml").write_text("name: [")
    assert cli.invoke(app, ["suite", "import", str(shop), "bad.yaml"]).exit_code == 2
    engine.dispose()


def test_a_failing_provider_on_one_side_is_an_error_there_only(sqlite_engine: Engine) -> None:
    shop = demo_assistant(sqlite_engine, "ecommerce_support")
    cases = [
        CaseSpec(name=f"Echo {i}", turns=[CaseTurn(message=f"Hello number {i}", assertions=[])])
        for i in range(3)
    ]
    suite = make_suite(sqlite_engine, shop, cases)
    good = variant(sqlite_engine, shop, overrides={"model": "fake-model"})
    bad = variant(sqlite_engine, shop, overrides={"model": "fault-500"})
    with FakeOpenAI() as server:
        backend = OpenAICompatibleBackend(base_url=server.base_url, api_key="k", max_retries=0)
        a, b = runs.run_suite(
            engine=sqlite_engine, backend=backend, suite=suite, variants=[good, bad]
        )
    assert a.passed == 3 and b.errored == 3 and b.status == "completed"
    assert all(o.reason.startswith("turn 1: ") for o in b.results)
