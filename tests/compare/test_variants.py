"""Variants: a version or the draft, with overrides that never change what is stored."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from studio.compare.variants import Overrides, VariantSpec, difference, resolve_variant
from studio.core.errors import InvalidInput, NotFound
from studio.design import assistants, seeding


def _shop(session: Session) -> int:
    seeding.seed_demo_assistants(session=session)
    every = assistants.list_assistants(session=session)
    return next(a.id for a in every if a.template == "ecommerce_support")


def test_a_version_and_the_draft_resolve_to_their_configurations(session: Session) -> None:
    shop = _shop(session)
    v1 = resolve_variant(session=session, spec=VariantSpec(assistant_id=shop, version=1))
    draft = resolve_variant(session=session, spec=VariantSpec(assistant_id=shop))
    assert v1.target.version_number == 1 and draft.target.version_number is None
    assert v1.label.endswith("· v1") and draft.label.endswith("· draft")
    assert difference(v1, draft).identical  # the demo draft equals its published version


def test_overrides_make_a_new_configuration_and_leave_the_stored_one(session: Session) -> None:
    shop = _shop(session)
    tool = assistants.get_assistant(session=session, assistant_id=shop).draft.tools[0].name
    spec = VariantSpec(
        assistant_id=shop,
        version=1,
        overrides=Overrides(
            sliders={"empathy": 95}, temperature=0.9, top_k=8, disabled_tools=[tool]
        ),
    )
    varied = resolve_variant(session=session, spec=spec)
    plain = resolve_variant(session=session, spec=VariantSpec(assistant_id=shop, version=1))
    config = varied.target.config
    assert config.persona.empathy == 95 and config.model.temperature == 0.9
    assert config.retrieval.top_k == 8
    assert not next(t for t in config.tools if t.name == tool).enabled
    assert varied.target.config_hash != plain.target.config_hash
    assert "empathy 95" in varied.label and f"without {tool}" in varied.label
    paths = {c.path for c in difference(plain, varied).changes}
    assert {"persona.empathy", "model.temperature", "retrieval.top_k"} <= paths
    again = resolve_variant(session=session, spec=VariantSpec(assistant_id=shop, version=1))
    assert again.target.config_hash == plain.target.config_hash  # nothing was stored


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (Overrides(sliders={"charm": 50}), "sliders.charm"),
        (Overrides(disabled_tools=["no_such_tool"]), "disabled_tools"),
    ],
)
def test_an_override_that_does_not_fit_names_its_field(
    session: Session, overrides: Overrides, field: str
) -> None:
    shop = _shop(session)
    with pytest.raises(InvalidInput) as caught:
        resolve_variant(session=session, spec=VariantSpec(assistant_id=shop, overrides=overrides))
    assert [p.field for p in caught.value.problems] == [field]


def test_a_missing_version_is_not_found(session: Session) -> None:
    shop = _shop(session)
    with pytest.raises(NotFound):
        resolve_variant(session=session, spec=VariantSpec(assistant_id=shop, version=99))
