"""The prompt compiler: slider bands, determinism, traceability and the tools payload."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from pydantic import BaseModel

from studio.core.tokens import count_tokens, token_count_method, tokens_are_exact
from studio.design.prompting import SLIDER_SCALES, band_for, compile_prompt
from studio.design.schemas import SLIDERS, AssistantConfig, ToolSpec, blank_config
from studio.design.templates import list_templates

BAND_VALUES = (0, 25, 50, 70, 95)


def _config(**persona: Any) -> AssistantConfig:
    config = blank_config(company_name="Acme")
    for name, value in persona.items():
        setattr(config.persona, name, value)
    return config


def _full_config() -> AssistantConfig:
    return next(t.config for t in list_templates() if t.key == "ecommerce_support")


@pytest.mark.parametrize("slider", SLIDERS)
def test_every_band_of_every_slider_gives_a_different_instruction(slider: str) -> None:
    prompts = []
    for value in BAND_VALUES:
        band = band_for(slider, value)
        text = compile_prompt(_config(**{slider: value})).text
        assert band.instruction in text
        prompts.append(text)
    assert len(set(prompts)) == len(BAND_VALUES)


@pytest.mark.parametrize("slider", SLIDERS)
def test_bands_cover_zero_to_hundred_without_gaps(slider: str) -> None:
    bands = SLIDER_SCALES[slider].bands
    assert bands[0].low == 0 and bands[-1].high == 100
    assert all(a.high + 1 == b.low for a, b in itertools.pairwise(bands))
    assert len({b.instruction for b in bands}) == len(bands)


@pytest.mark.parametrize(
    ("value", "label"),
    [(0, "Very casual"), (19, "Very casual"), (20, "Casual"), (100, "Very formal")],
)
def test_band_edges(value: int, label: str) -> None:
    assert band_for("formality", value).label == label


def test_moving_a_slider_within_a_band_does_not_change_the_prompt() -> None:
    assert compile_prompt(_config(empathy=61)).text == compile_prompt(_config(empathy=79)).text


def test_compilation_is_deterministic() -> None:
    config = _full_config()
    first = compile_prompt(config)
    again = compile_prompt(AssistantConfig.model_validate_json(config.canonical_json()))
    assert first.model_dump() == again.model_dump()


def _is_field_path(path: str) -> bool:
    model: type[BaseModel] | None = AssistantConfig
    for part in path.split("."):
        if model is None or part not in model.model_fields:
            return False
        annotation = model.model_fields[part].annotation
        model = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
    return True


@pytest.mark.parametrize("config", [blank_config(company_name="Acme"), _full_config()])
def test_every_section_is_traced_to_real_fields(config: AssistantConfig) -> None:
    sections = compile_prompt(config).sections
    assert sections
    for section in sections:
        assert section.sources, section.key
        for source in section.sources:
            assert _is_field_path(source), f"{section.key}: {source}"


def test_trace_path_checker_rejects_made_up_paths() -> None:
    assert not _is_field_path("persona.shoe_size")
    assert _is_field_path("persona.empathy")


@pytest.mark.parametrize(
    ("field", "value", "section", "expected"),
    [
        ("forbidden_topics", ["politics"], "forbidden", "politics"),
        ("escalation_triggers", ["customer threatens legal action"], "escalation", "legal action"),
        ("greetings", ["Howdy, partner!"], "conversation", "Howdy, partner!"),
        ("response_guidelines", ["Always quote the order number"], "guidelines", "order number"),
    ],
)
def test_persona_fields_land_in_their_section(
    field: str, value: list[str], section: str, expected: str
) -> None:
    compiled = compile_prompt(_config(**{field: value}))
    by_key = {s.key: s for s in compiled.sections}
    assert expected in by_key[section].text
    assert f"persona.{field}" in by_key[section].sources


def test_compliance_and_brand_voice_sections() -> None:
    compiled = compile_prompt(_full_config())
    keys = [s.key for s in compiled.sections]
    assert {"identity", "business", "behaviour", "brand_voice", "compliance", "tools"} <= set(keys)
    assert "GDPR" in compiled.text
    assert compiled.text.count("## ") == len(compiled.sections)


def _tool(name: str, *, enabled: bool = True) -> ToolSpec:
    return ToolSpec(
        name=name,
        description=f"Does {name}",
        parameters={
            "type": "object",
            "properties": {"q": {"type": "string", "description": "query"}},
            "required": ["q"],
        },
        enabled=enabled,
    )


def test_tools_payload_has_openai_format_and_only_enabled_tools() -> None:
    config = blank_config(company_name="Acme")
    config.tools = [_tool("lookup"), _tool("secret", enabled=False)]
    compiled = compile_prompt(config)
    assert compiled.tools == [
        {
            "type": "function",
            "function": {
                "name": "lookup",
                "description": "Does lookup",
                "parameters": config.tools[0].parameters,
            },
        }
    ]
    assert "secret" not in compiled.text
    compiled.tools[0]["function"]["parameters"]["type"] = "mutated"
    assert config.tools[0].parameters["type"] == "object"


def test_token_count_is_reported_and_grows_with_the_prompt() -> None:
    small = compile_prompt(blank_config(company_name="Acme"))
    big = compile_prompt(_full_config())
    assert 0 < small.token_count < big.token_count
    assert count_tokens("hello world") == 2 if tokens_are_exact() else True
    assert token_count_method()


def test_exact_token_counts_are_available_offline() -> None:
    # bpe-openai is a pinned dependency: without it counts silently degrade to an estimate.
    assert tokens_are_exact()
    assert count_tokens("Hello, world!") == 4


@pytest.mark.parametrize(
    "text",
    [
        "Hello, world!",
        "I'm sure they'll say it's DONE — 12345 items @ $9.99/each.\n\n\tIndented\r\nline",
        "Grüße aus München! 日本語のテキスト 😀 مرحبا",
        "def f(x):\n    return {'a': [1, 2, 3]}  # ok?",
    ],
)
def test_token_counts_match_an_independent_o200k_implementation(text: str) -> None:
    # bpe-openai's own Rust encoder is a second implementation of the same vocabulary: if our
    # regex or vocabulary loading drifted from OpenAI's, the counts would differ.
    import bpe_openai

    assert count_tokens(text) == len(bpe_openai.get_encoding("o200k_base").encode(text))
