"""AppTest: Prompt & versions — compiled prompt, save, history, compare, restore, export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.design import assistants, drafts
from studio.design.prompting import compile_prompt
from tests.conftest import HOME


@pytest.fixture
def app_engine() -> Iterator[Engine]:
    """An engine on the database the app under test uses (same SQLite file)."""
    engine = make_engine(get_settings().resolved_database_url)
    yield engine
    engine.dispose()


def open_prompt_page() -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    at.switch_page("pages/prompt.py")
    at.run()
    assert not at.exception
    return at


def by_label(elements: Any, label: str) -> Any:
    matches = [e for e in elements if e.label == label]
    assert matches, f"no element labelled {label!r}; have {[e.label for e in elements]}"
    return matches[0]


def selected(at: AppTest) -> int:
    return int(at.session_state["selected_assistant_id"])


def edit_empathy(engine: Engine, assistant_id: int, value: int) -> None:
    with session_scope(engine) as session:
        persona = assistants.get_assistant(session=session, assistant_id=assistant_id).draft.persona
        drafts.update_draft_section(
            session=session,
            assistant_id=assistant_id,
            section="persona",
            data={**persona.model_dump(mode="json"), "empathy": value},
        )


def draft_of(engine: Engine, assistant_id: int) -> assistants.AssistantDetail:
    with session_scope(engine) as session:
        return assistants.get_assistant(session=session, assistant_id=assistant_id)


def test_shows_the_compiled_prompt_with_sources_and_tokens(app_engine: Engine) -> None:
    at = open_prompt_page()
    assert at.title[0].value == "Prompt & versions"
    compiled = compile_prompt(draft_of(app_engine, selected(at)).draft)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tokens"] == f"{compiled.token_count:,}"
    assert metrics["Enabled tools"] == str(len(compiled.tools))
    assert any(c.value.startswith("From: `persona.name`") for c in at.caption)
    assert at.code[0].value == compiled.text


def test_unchanged_draft_cannot_be_saved_again() -> None:
    at = open_prompt_page()
    assert by_label(at.button, "Save version").disabled
    assert any("identical to version 1" in c.value for c in at.caption)


def test_save_version_appears_in_history(app_engine: Engine) -> None:
    at = open_prompt_page()
    edit_empathy(app_engine, selected(at), 7)
    at.run()
    by_label(at.text_input, "Note").input("Much cooler tone")
    by_label(at.button, "Save version").click()
    at.run()
    assert not at.exception and not at.error
    history = at.dataframe[0].value
    assert list(history["Version"]) == [2, 1]
    assert history["Note"].iloc[0] == "Much cooler tone"
    assert by_label(at.button, "Save version").disabled  # the draft is version 2 now


def test_compare_shows_changed_fields_and_prompt_diff(app_engine: Engine) -> None:
    at = open_prompt_page()
    edit_empathy(app_engine, selected(at), 3)
    at.run()  # "From" defaults to the latest version, "To" to the draft
    changes = at.dataframe[1].value
    assert list(changes["Field"]) == ["persona.empathy"]
    assert list(changes["version 1"]) != list(changes["draft"])
    diff = next(c.value for c in at.code if c.language == "diff")
    assert diff.startswith("--- version 1\n+++ draft")


def test_restore_replaces_the_draft_after_confirmation(app_engine: Engine) -> None:
    at = open_prompt_page()
    aid = selected(at)
    original = draft_of(app_engine, aid).draft.persona.empathy
    edit_empathy(app_engine, aid, 1)
    at.run()
    by_label(at.text_input, "Note").input("cold")
    by_label(at.button, "Save version").click()
    at.run()
    assert by_label(at.button, "Restore into draft").disabled  # until confirmed
    by_label(at.selectbox, "Version").set_value(1)
    by_label(at.checkbox, "Yes, replace the current draft").check()
    at.run()
    by_label(at.button, "Restore into draft").click()
    at.run()
    assert not at.exception and not at.error
    detail = draft_of(app_engine, aid)
    assert detail.draft.persona.empathy == original and detail.draft_base_version == 1
    assert detail.version_count == 2  # restoring never adds or changes a version


def test_publish_another_version(app_engine: Engine) -> None:
    at = open_prompt_page()
    aid = selected(at)
    edit_empathy(app_engine, aid, 12)
    at.run()
    by_label(at.button, "Save version").click()
    at.run()
    by_label(at.selectbox, "Version").set_value(2)
    at.run()
    by_label(at.button, "Publish version 2").click()
    at.run()
    assert not at.exception
    assert draft_of(app_engine, aid).published_version == 2
    assert list(at.dataframe[0].value["Published"]) == [True, False]


def test_export_offers_yaml_json_and_python() -> None:
    at = open_prompt_page()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download .yaml", "Download .json", "Download .py"]
    snippet = next(c.value for c in at.code if c.language == "python")
    compile(snippet, "snippet.py", "exec")


def test_without_assistants_the_page_explains_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_SEED_DEMO", "false")
    get_settings.cache_clear()
    at = open_prompt_page()
    assert "No assistant is selected" in at.info[0].value


def test_restore_over_a_draft_someone_changed_meanwhile_asks_again(app_engine: Engine) -> None:
    at = open_prompt_page()
    aid = selected(at)
    original = draft_of(app_engine, aid).draft.persona.empathy
    by_label(at.selectbox, "Version").set_value(1)
    by_label(at.checkbox, "Yes, replace the current draft").check()
    at.run()
    edit_empathy(app_engine, aid, 77)  # another person saves the draft after this page was drawn
    by_label(at.button, "Restore into draft").click()
    at.run()
    assert not at.exception
    assert any("changed by" in e.value for e in at.error), [e.value for e in at.error]
    assert draft_of(app_engine, aid).draft.persona.empathy == 77  # their save is not lost
    by_label(at.button, "Restore into draft").click()  # having seen it, restore on purpose
    at.run()
    assert not at.error
    assert draft_of(app_engine, aid).draft.persona.empathy == original
