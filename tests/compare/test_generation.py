"""The generator's contract: every case generated from each shipped template passes on the draft
it was generated from, with the offline simulator and the template's own knowledge base."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from studio.chat.simulator import SimulatorBackend
from studio.compare import generation, runs, suites, variants
from studio.core.db import session_scope
from studio.design import assistants
from studio.design.templates import list_templates
from studio.knowledge import bases
from tests.compare.conftest import demo_assistant

TEMPLATES = [t.key for t in list_templates()]
KINDS = {"forbidden_topic", "forbidden_phrase", "tool", "escalation", "knowledge", "journey"}


def test_there_are_five_templates() -> None:
    assert len(TEMPLATES) == 5


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_generated_case_passes_on_its_draft(
    template: str, sqlite_engine: Engine, knowledge_store: bases.KnowledgeStore
) -> None:
    assistant_id = demo_assistant(sqlite_engine, template, knowledge_store)
    with session_scope(sqlite_engine) as session:
        draft = assistants.get_assistant(session=session, assistant_id=assistant_id).draft
        cases = generation.generate_cases(
            config=draft, session=session, store=knowledge_store, assistant_id=assistant_id
        )
        suite = suites.save_suite(
            session=session, assistant_id=assistant_id, name="Generated", cases=cases, config=draft
        )
        variant = variants.resolve_variant(
            session=session, spec=variants.VariantSpec(assistant_id=assistant_id)
        )
    assert {c.origin.split(":")[1] for c in cases} == KINDS
    enabled = [t.name for t in draft.tools if t.enabled]
    assert {c.name for c in cases} >= {f"Calls {name}" for name in enabled}
    assert len([c for c in cases if c.origin == "generated:forbidden_topic"]) == len(
        draft.persona.forbidden_topics
    )
    assert all(len(c.turns) >= 2 for c in cases if c.origin == "generated:journey")
    [run] = runs.run_suite(
        engine=sqlite_engine,
        backend=SimulatorBackend(),
        suite=suite,
        variants=[variant],
        store=knowledge_store,
        concurrency=4,
    )
    failing = [f"{o.case_name}: {o.reason}" for o in run.results if o.outcome != "passed"]
    assert failing == []
    assert run.passed == len(cases)


def test_without_a_knowledge_base_no_citation_cases_are_made() -> None:
    config = list_templates()[0].config
    cases = generation.generate_cases(config=config)
    assert cases and not [c for c in cases if c.origin == "generated:knowledge"]


def test_a_switched_off_tool_gets_no_case() -> None:
    config = list_templates()[0].config.model_copy(deep=True)
    config.tools[0].enabled = False
    names = {c.name for c in generation.generate_cases(config=config)}
    assert f"Calls {config.tools[0].name}" not in names
