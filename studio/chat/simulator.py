"""The offline simulator: a deterministic stand-in for a language model, no network.

It answers only with sentences copied from retrieved passages (with [n] citations), calls a tool
when the message asks for one, refuses forbidden topics, escalates on triggers, and phrases things
according to the persona sliders. It never invents a fact; when nothing was found it says so.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator
from typing import Any

from studio.chat import insights, tagging
from studio.chat.protocol import (
    SIMULATOR_LABEL,
    SIMULATOR_NAME,
    ChatRequest,
    StreamEvent,
    ToolCallRequest,
    Usage,
)
from studio.chat.tool_matching import extract_arguments, match_tool
from studio.design.schemas import AssistantConfig, Persona, ToolSpec

SIMULATOR_MODEL = "offline-simulator"


def _chars_to_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


class SimulatorBackend:
    """Offline, deterministic replies from the configuration and retrieved passages."""

    name = SIMULATOR_NAME
    label = SIMULATOR_LABEL

    def list_models(self) -> list[str]:
        """The simulator has one "model"."""
        return [SIMULATOR_MODEL]

    def stream_chat(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """Decide the reply (or a tool call) and stream it word by word."""
        calls, text = self._decide(request)
        if calls:
            yield StreamEvent(kind="tool_calls", tool_calls=tuple(calls))
        for piece in re.findall(r"\S+\s*", text):
            if time.monotonic() > request.deadline:
                break
            yield StreamEvent(kind="text", text=piece)
        prompt_chars = sum(len(str(m.get("content") or "")) for m in request.messages)
        yield StreamEvent(
            kind="usage",
            usage=Usage(
                prompt_tokens=max(1, prompt_chars // 4),
                completion_tokens=_chars_to_tokens(text) if text else 0,
            ),
        )
        yield StreamEvent(kind="done", finish_reason="tool_calls" if calls else "stop")

    # ----------------------------------------------------------------- decisions

    def _decide(self, request: ChatRequest) -> tuple[list[ToolCallRequest], str]:
        config = request.config
        if config is None:
            return [], "(The offline simulator needs the assistant's configuration.)"
        voice = Voice(config.persona)
        last = request.messages[-1] if request.messages else {}
        if last.get("role") == "tool":
            return [], voice.finish(_phrase_tool_results(request.messages), config)
        user = str(last.get("content") or "")
        tags = tagging.classify(user)
        persona = config.persona

        hand_over = insights.asks_for_human(user) or any(
            insights.mentions_topic(user, t) for t in persona.escalation_triggers
        )
        for topic in persona.forbidden_topics:
            if insights.mentions_topic(user, topic):
                # Refused, and still handed over when a trigger says a person must take it.
                refusal = voice.refuse(config, offer_more=not hand_over)
                return [], refusal + (" " + voice.escalate(config, tags) if hand_over else "")
        if hand_over:
            return [], voice.escalate(config, tags)
        if tags.intent is tagging.Intent.GREETING:
            return [], voice.greet(config)
        if tags.intent is tagging.Intent.FAREWELL:
            return [], persona.farewells[0] if persona.farewells else voice.farewell()

        tool = match_tool(user, [t for t in config.tools if t.enabled])
        if tool is not None:
            args, missing = extract_arguments(user, tool)
            if not missing:
                call = ToolCallRequest(id="call_sim_1", name=tool.name, arguments=json.dumps(args))
                return [call], ""
            return [], voice.ask_for(missing, tool)

        grounded = [p for p in request.passages if p.passed_threshold]
        if grounded:
            return [], voice.finish(
                voice.empathize(tags) + answer_from(user, grounded, voice), config
            )
        return [], voice.finish(voice.empathize(tags) + voice.dont_know(config), config)


def _phrase_tool_results(messages: list[dict[str, Any]]) -> str:
    results: list[str] = []
    names = {
        c["id"]: c["function"]["name"]
        for m in messages
        if m.get("role") == "assistant"
        for c in m.get("tool_calls") or []
    }
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        name = names.get(str(message.get("tool_call_id")), "the tool")
        results.insert(0, _phrase_one(name, str(message.get("content") or "")))
    return " ".join(results)


TOOL_RESULT_RE = re.compile(r"^<tool_result[^>]*>\n?(.*?)\n?</tool_result>$", re.S)


def _phrase_one(tool_name: str, content: str) -> str:
    label = tool_name.replace("_", " ")
    wrapped = TOOL_RESULT_RE.match(content.strip())
    content = wrapped.group(1) if wrapped else content
    if content.startswith("ERROR"):
        return f"I couldn't complete {label}: {content.removeprefix('ERROR:').strip()}"
    try:
        data = json.loads(content)
    except json.JSONDecodeError:
        return f"I ran {label}, and it returned: {content[:300]}"
    if isinstance(data, dict) and data:
        facts = "; ".join(f"{str(k).replace('_', ' ')}: {_short(v)}" for k, v in data.items())
        return f"I ran {label}, and here is what it returned — {facts}."
    return f"I ran {label}, and it returned: {_short(data)}."


def _short(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        # Lists of records ("items") read better as their names than as raw JSON.
        names = [str(v.get("name") or v.get("title") or v.get("id") or "") for v in value]
        value = ", ".join(n for n in names if n) or f"{len(value)} entries"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "…"


# --------------------------------------------------------------------------- answers


_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+|^\s*#{1,6}\s+|^\s*>\s?")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _table_rows(lines: list[str]) -> list[str]:
    """A Markdown table as one sentence per data row, named by its header ("Express: delivery
    time 1–2 days, cost $14.95"): the header alone answers nothing."""
    header: list[str] = []
    if len(lines) > 1 and _TABLE_RULE.match(lines[1].strip()):
        header, lines = _cells(lines[0]), lines[2:]
    rows = []
    for line in lines:
        cells = _cells(line)
        if header and len(cells) == len(header):
            pairs = zip(header[1:], cells[1:], strict=True)
            named = ", ".join(f"{h.lower()} {c}" for h, c in pairs if c)
            rows.append(f"{cells[0]}: {named}" if named else cells[0])
        else:
            rows.append(" — ".join(c for c in cells if c))
    return rows


def _sentences(text: str) -> list[str]:
    """The passage's sentences in order: list marks and heading marks dropped (emphasis kept
    whole), each table row one sentence."""
    sentences: list[str] = []
    table: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.strip().startswith("|"):
            table.append(line)
            continue
        if table:
            sentences += _table_rows(table)
            table = []
        body = _LIST_MARK.sub("", line).strip()
        sentences += [p.strip() for p in re.split(r"(?<=[.!?])\s+", body)]
    return [s for s in sentences if len(s) > 12]


def _cited(sentence: str, number: int) -> str:
    end = "" if sentence.endswith((".", "!", "?")) else "."
    return f"{sentence}{end} [{number}]"


def answer_from(message: str, passages: list[Any], voice: Voice) -> str:
    """The sentences of the retrieved passages that share the most content words with the
    question (ties: the better passage, then the earlier sentence), best first, cited [n]."""
    query = set(insights.content_words(message))
    scored: list[tuple[float, int, int, str]] = []
    for number, passage in enumerate(passages, start=1):
        for position, sentence in enumerate(_sentences(passage.text)):
            overlap = len(query & set(insights.content_words(sentence)))
            scored.append((overlap + passage.score, -number, -position, sentence))
    scored.sort(reverse=True)
    picked = scored[: voice.sentence_count]
    if not picked:  # passages without a full sentence: quote the best one's start
        return f"{voice.lead_in()}{passages[0].text.strip()[:300]} [1]"
    return voice.lead_in() + " ".join(_cited(s, -n) for _, n, _, s in picked)


class Voice:
    """Wording that follows the persona sliders (formality, empathy, verbosity, proactivity)."""

    def __init__(self, persona: Persona) -> None:
        self.persona = persona
        self.formal = persona.formality >= 60
        self.casual = persona.formality < 35
        self.sentence_count = 1 if persona.verbosity < 34 else 2 if persona.verbosity < 67 else 4

    def _say(self, formal: str, neutral: str, casual: str) -> str:
        return formal if self.formal else casual if self.casual else neutral

    def lead_in(self) -> str:
        return self._say(
            "According to our documentation: ",
            "Here's what I found: ",
            "Good news — here's the scoop: ",
        )

    def greet(self, config: AssistantConfig) -> str:
        if self.persona.greetings:
            return self.persona.greetings[0]
        company = config.business.company_name
        return self._say(
            f"Good day. I am {self.persona.name}, {company}'s assistant. How may I assist you?",
            f"Hi, I'm {self.persona.name} from {company}. How can I help you today?",
            f"Hey there! {self.persona.name} here from {company} — what can I do for you?",
        )

    def farewell(self) -> str:
        return self._say(
            "Thank you for contacting us. Goodbye.",
            "Thanks for chatting — bye!",
            "Cheers, take care!",
        )

    def empathize(self, tags: tagging.Tags) -> str:
        if tags.emotion in tagging.NEGATIVE_EMOTIONS and self.persona.empathy >= 40:
            return self._say(
                "I understand this is frustrating, and I am sorry for the trouble. ",
                "I'm sorry about the trouble — let's sort it out. ",
                "Ugh, sorry about that! ",
            )
        return ""

    def refuse(self, config: AssistantConfig, *, offer_more: bool = True) -> str:
        if not offer_more:
            return self._say(
                "I am sorry, but that is a subject I am not able to discuss.",
                "Sorry, that's not something I can help with here.",
                "Sorry, I can't go there!",
            )
        return self._say(
            "I am sorry, but that is a subject I am not able to discuss. Is there anything "
            f"else regarding {config.business.company_name} I can help with?",
            "Sorry, that's not something I can help with here. Is there anything else I can do "
            "for you?",
            "Sorry, I can't go there! Anything else I can help with?",
        )

    def escalate(self, config: AssistantConfig, tags: tagging.Tags) -> str:
        return self.empathize(tags) + self._say(
            f"I will connect you with a member of the {config.business.company_name} team, who "
            "can help you further.",
            f"Let me connect you with a member of the {config.business.company_name} team who "
            "can take it from here.",
            f"I'll connect you with a member of the {config.business.company_name} team — "
            "they'll take it from here!",
        )

    def dont_know(self, config: AssistantConfig) -> str:
        return self._say(
            "I could not find information about that in our knowledge base, so I would rather "
            "not guess. I can connect you with a member of our team if you wish.",
            "I couldn't find anything about that in my knowledge base, so I won't guess. I can "
            "connect you with a member of our team if you'd like.",
            "Hmm, I couldn't find that in my notes and I don't want to guess. Want me to connect "
            "you with someone from the team?",
        )

    def ask_for(self, missing: list[str], tool: ToolSpec) -> str:
        properties = tool.parameters.get("properties") or {}
        wanted = ", ".join(
            str((properties.get(m) or {}).get("description") or m.replace("_", " ")).rstrip(".")
            for m in missing
        )
        return self._say(
            f"I can help with that. Could you please provide the following: {wanted}?",
            f"Happy to help with that — could you tell me the {wanted}?",
            f"Sure thing! What's the {wanted}?",
        )

    def finish(self, text: str, config: AssistantConfig) -> str:
        if self.persona.proactivity >= 60 and self.persona.verbosity >= 34 and text:
            text += self._say(
                " May I help you with anything else?",
                " Is there anything else I can help with?",
                " Anything else?",
            )
        if self.formal:
            text = _expand_contractions(text)
        return text


CONTRACTIONS = {
    "I'm": "I am",
    "can't": "cannot",
    "won't": "will not",
    "don't": "do not",
    "couldn't": "could not",
    "I'll": "I will",
    "let's": "let us",
    "it's": "it is",
    "you'd": "you would",
    "here's": "here is",
    "Here's": "Here is",
    "isn't": "is not",
}


def _expand_contractions(text: str) -> str:
    for short, long in CONTRACTIONS.items():
        text = re.sub(rf"\b{re.escape(short)}\b", long, text)
    return text
