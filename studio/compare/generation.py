"""Suite cases generated from an assistant's own configuration, for the user to review and save.

Forbidden topics → must refuse; forbidden phrases → must not contain; each enabled tool → a
message that must call it with valid arguments; escalation triggers → must escalate; the knowledge
base → questions from its headings that must cite their document; user journeys → multi-turn
scripts whose success criteria are a model-graded rubric (skipped on the simulator).
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session

from studio.chat import insights, tagging
from studio.compare.assertions import (
    CallsTool,
    Cites,
    Escalates,
    Length,
    NotContains,
    Refuses,
    Rubric,
)
from studio.compare.suites import CaseSpec, CaseTurn
from studio.core.models import KnowledgeBase
from studio.design.schemas import AssistantConfig, ToolSpec
from studio.knowledge import bases
from studio.knowledge.store import KnowledgeStore, read_all

MAX_KNOWLEDGE_CASES = 10
HEADINGS_PER_DOCUMENT = 2

PRESSURE_MESSAGES = (
    "This is the third message I have sent about this. What exactly are you going to do for me?",
    "I am really not happy with how this has been handled. What are my options now?",
    "Nobody has given me a straight answer so far. Who is responsible for fixing this?",
    "Why is this so complicated? Just tell me plainly what happens next.",
)

_EXAMPLE_RE = re.compile(r"""(?:e\.g\.|for example|such as)[:,]?\s*["“]?([^"”;,)]+)""", re.I)


def _label(name: str) -> str:
    return name.replace("_", " ")


def _example(spec: dict[str, Any]) -> str | None:
    found = _EXAMPLE_RE.search(str(spec.get("description") or ""))
    return found.group(1).strip().rstrip(".") if found else None


def _fits_pattern(value: str, spec: dict[str, Any]) -> bool:
    pattern = spec.get("pattern")
    if not isinstance(pattern, str):
        return True
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True


def _value_for(name: str, spec: dict[str, Any]) -> Any:
    """A plausible, schema-valid value a customer would type for one parameter."""
    enum = spec.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    kind = spec.get("type", "string")
    if kind in ("integer", "number"):
        low = spec.get("minimum", 1)
        high = spec.get("maximum", 1000)
        value = min(max(int(low), 12), int(high))
        return value if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    example = _example(spec)
    if example and _fits_pattern(example, spec):
        return example
    if "email" in name or spec.get("format") == "email":
        return "alex.morgan@example.com"
    if "date" in name or spec.get("format") == "date":
        return "2026-12-15"
    if "phone" in name:
        return "+1 555 010 0199"
    if name.endswith("_id") or name == "id":
        return "ID-48213"
    text = f"Test {_label(name)}"
    low = int(spec.get("minLength", 0))
    if len(text) < low:
        text = f"Test {_label(name)} written for the generated suite case"[: max(low, 10)]
    return text


def tool_case(tool: ToolSpec) -> CaseSpec:
    """A message asking for `tool` with every required argument, labelled ("order id: …")."""
    properties = tool.parameters.get("properties") or {}
    required = [r for r in tool.required if isinstance(properties.get(r), dict)]
    parts = [f"{_label(name)}: {_value_for(name, properties[name])}" for name in required]
    message = f"Please {_label(tool.name)} for me"
    if parts:
        message += " — " + "; ".join(parts)
    check = CallsTool(
        tool=tool.name,
        arguments_schema={"type": "object", "required": required} if required else None,
    )
    return CaseSpec(
        name=f"Calls {tool.name}",
        origin="generated:tool",
        turns=[CaseTurn(message=message, assertions=[check])],
    )


def _first_person(trigger: str) -> str:
    text = trigger.strip().rstrip(".")
    for old, new in (
        (r"^(?:the )?(?:customer|user|patient|prospect)\b", "I"),
        (r"\b(?:the )?(?:customer|user|patient|prospect)\b", "I"),
        (r"\bI (asks|mentions|reports|suspects|is|has)\b", "I \\1"),
    ):
        text = re.sub(old, new, text, flags=re.I)
    text = re.sub(r"\bI asks\b", "I ask", text)
    text = re.sub(r"\bI mentions\b", "I mention", text)
    text = re.sub(r"\bI reports\b", "I report", text)
    text = re.sub(r"\bI suspects\b", "I suspect", text)
    text = re.sub(r"\bI is\b", "I am", text)
    text = re.sub(r"\bI has\b", "I have", text)
    return text[0].upper() + text[1:] + "."


def _knowledge_cases(
    *, session: Session, store: KnowledgeStore, assistant_id: int, config: AssistantConfig
) -> list[CaseSpec]:
    kb = bases.get_knowledge_base(session=session, assistant_id=assistant_id)
    if kb is None or not config.retrieval.enabled:
        return []
    row = session.get(KnowledgeBase, kb.id)
    if row is None:
        return []
    headings: dict[str, list[str]] = {}
    for batch in read_all(store.collection(row.collection), include=["metadatas"]):
        for meta in batch["metadatas"] or []:
            document = str(meta.get("document_name") or "")
            heading = str(meta.get("heading") or "").split(">")[-1].split("›")[-1].strip()
            if document and heading and heading not in headings.setdefault(document, []):
                headings[document].append(heading)
    cases: list[CaseSpec] = []
    rules = [*config.persona.forbidden_topics, *config.persona.escalation_triggers]
    for document in sorted(headings):
        kept = 0
        for heading in headings[document][1:] or headings[document]:  # [0] is the title
            if kept >= HEADINGS_PER_DOCUMENT or len(cases) >= MAX_KNOWLEDGE_CASES:
                break
            question = f"What is your policy on {heading.lower()}?"
            if any(insights.mentions_topic(question, r) for r in rules):
                continue  # the assistant must refuse or hand over here, not answer
            passages = bases.retrieve(
                session=session,
                store=store,
                assistant_id=assistant_id,
                query=question,
                settings=config.retrieval,
            )
            top = passages[0] if passages else None
            if top is None or not top.passed_threshold or top.document_name != document:
                continue  # the knowledge base does not answer this heading clearly
            cases.append(
                CaseSpec(
                    name=f"Cites {document}: {heading}"[:200],
                    origin="generated:knowledge",
                    turns=[CaseTurn(message=question, assertions=[Cites(document=document)])],
                )
            )
            kept += 1
    return cases


def generate_cases(
    *,
    config: AssistantConfig,
    session: Session | None = None,
    store: KnowledgeStore | None = None,
    assistant_id: int | None = None,
) -> list[CaseSpec]:
    """Cases that follow from the configuration (and its knowledge base, given a store)."""
    persona, voice = config.persona, config.brand_voice
    cases: list[CaseSpec] = []
    for topic in persona.forbidden_topics:
        cases.append(
            CaseSpec(
                name=f"Refuses: {topic}"[:200],
                origin="generated:forbidden_topic",
                turns=[
                    CaseTurn(message=f"What is your opinion on {topic}?", assertions=[Refuses()])
                ],
            )
        )
    for number, phrase in enumerate(voice.forbidden_phrases):
        cases.append(
            CaseSpec(
                name=f'Never says "{phrase}"'[:200],
                origin="generated:forbidden_phrase",
                turns=[
                    CaseTurn(
                        message=PRESSURE_MESSAGES[number % len(PRESSURE_MESSAGES)],
                        assertions=[NotContains(text=phrase[:500])],
                    )
                ],
            )
        )
    for tool in config.tools:
        if tool.enabled:
            cases.append(tool_case(tool))
    for trigger in persona.escalation_triggers:
        cases.append(
            CaseSpec(
                name=f"Escalates: {trigger}"[:200],
                origin="generated:escalation",
                turns=[
                    CaseTurn(message=_first_person(trigger), assertions=[Escalates(expected=True)])
                ],
            )
        )
    if session is not None and store is not None and assistant_id is not None:
        cases += _knowledge_cases(
            session=session, store=store, assistant_id=assistant_id, config=config
        )
    for journey in config.business.user_journeys:
        opening = journey.name if journey.name.endswith("?") else f"I need help: {journey.name}."
        if tagging.classify(opening).intent in (tagging.Intent.GREETING, tagging.Intent.FAREWELL):
            opening = f"I need help with this: {journey.name}"
        criteria = "; ".join(journey.success_criteria) or "The customer's goal is reached."
        steps = ", ".join(journey.stages)
        rubric = f"Success criteria: {criteria}" + (f" Expected steps: {steps}." if steps else "")
        answers = [Length(min_chars=1, max_chars=4000)]
        cases.append(
            CaseSpec(
                name=f"Journey: {journey.name}"[:200],
                origin="generated:journey",
                turns=[
                    CaseTurn(message=opening, assertions=list(answers)),
                    CaseTurn(
                        message="Thanks. What is the next step?",
                        assertions=[*answers, Rubric(rubric=rubric[:1000])],
                    ),
                ],
            )
        )
    return cases
