"""The offline simulator's tool matching and argument extraction, across the demo templates."""

from __future__ import annotations

from typing import Any

import pytest

from studio.chat.tool_matching import extract_arguments, match_tool
from studio.design.templates import get_template


@pytest.mark.parametrize(
    ("template", "message", "tool", "arguments", "missing"),
    [
        ("ecommerce_support", "Where is my order NW-104233?", "get_order_status",
         {"order_id": "NW-104233"}, []),
        ("ecommerce_support", "I want to return order NW-104233, wrong size", "start_return",
         {"order_id": "NW-104233", "reason": "wrong_size"}, []),
        ("ecommerce_support", "What is your return policy?", None, None, None),
        ("ecommerce_support", "How long does shipping take?", None, None, None),
        ("saas_tech_support", "Please reset two-factor for anna@example.com", "reset_two_factor",
         {"email": "anna@example.com"}, []),
        ("saas_tech_support", "Can you check the service status for us-east?",
         "check_service_status", {"region": "us-east"}, []),
        ("saas_tech_support", "Please create a support ticket: sync fails with error 500, urgent",
         "create_support_ticket", None, []),
        ("b2b_sales", "Can I get a quote for the growth plan with 25 seats?", "get_pricing_quote",
         {"plan": "growth", "seats": 25}, []),
        ("b2b_sales", "Can I get a quote for 25 seats?", "get_pricing_quote", {"seats": 25},
         ["plan"]),
        ("clinic_patient_support", "Find appointment slots in pediatrics on 2026-12-01",
         "find_appointment_slots", {"department": "pediatrics", "date": "2026-12-01"}, []),
        ("onboarding_guide", "Send the verification link to me@bank.com", "send_verification_link",
         {"email": "me@bank.com"}, []),
    ],
)  # fmt: skip
def test_tool_matching_and_arguments(
    template: str, message: str, tool: str | None, arguments: dict[str, Any] | None,
    missing: list[str] | None,
) -> None:  # fmt: skip
    tools = get_template(template).config.tools
    found = match_tool(message, tools)
    assert (found.name if found else None) == tool
    if found is None:
        return
    args, lacking = extract_arguments(message, found)
    if arguments is not None:
        assert args == arguments
    assert lacking == missing


def test_severity_falls_back_to_the_heard_urgency() -> None:
    tools = get_template("saas_tech_support").config.tools
    ticket = next(t for t in tools if t.name == "create_support_ticket")
    message = "Sync fails with error 500, we need it fixed urgently"
    args, missing = extract_arguments(message, ticket)
    assert args["severity"] == "high" and not missing


def test_labelled_values_fill_plain_text_parameters() -> None:
    # Before: a plain string parameter (a company, a name) could never be filled, so the
    # simulator asked for it forever and such a tool could not be tested offline.
    tool = next(t for t in get_template("b2b_sales").config.tools if t.name == "book_demo")
    message = (
        "Please book a demo — company: Acme GmbH; email: ana@acme.example; "
        "preferred time: Tuesday 10:00 CET"
    )
    args, missing = extract_arguments(message, tool)
    assert missing == []
    assert args == {
        "company": "Acme GmbH",
        "email": "ana@acme.example",
        "preferred_time": "Tuesday 10:00 CET",
    }


def test_a_labelled_value_must_fit_the_pattern() -> None:
    tool = get_template("ecommerce_support").config.tools[0]  # order_id: ^NW-[0-9]{6}$
    args, missing = extract_arguments("Please get order status — order id: 12", tool)
    assert "order_id" not in args and missing == ["order_id"]


def test_a_forbidden_topic_that_is_also_a_trigger_is_refused_and_handed_over() -> None:
    from studio.chat.insights import reply_escalates
    from studio.chat.protocol import ChatRequest
    from studio.chat.simulator import SimulatorBackend
    from studio.compare.assertions import refuses

    config = get_template("clinic_patient_support").config
    # "diagnosis" is forbidden, and a diagnosis request is an escalation trigger too.
    message = "The patient asks for a diagnosis, dosage or treatment advice."
    request = ChatRequest(messages=[{"role": "user", "content": message}], model="m", config=config)
    reply = "".join(e.text for e in SimulatorBackend().stream_chat(request) if e.kind == "text")
    assert refuses(reply) and reply_escalates(reply)


# --- Replies from retrieved passages: they answer the question asked -------------------------


def _reply(message: str, *texts: str, verbosity: int = 50) -> str:
    from studio.chat.protocol import ChatRequest
    from studio.chat.simulator import SimulatorBackend
    from studio.knowledge.types import Passage

    config = get_template("ecommerce_support").config.model_copy(deep=True)
    config.persona.verbosity = verbosity
    config.persona.formality = 50  # neutral lead-in: "Here's what I found: "
    passages = [
        Passage(chunk_id=f"1:{n}", document_id=1, document_name="help.md", heading="Help",
                page=None, text=text, score=0.9 - n / 10, passed_threshold=True, rank=n + 1)
        for n, text in enumerate(texts)
    ]  # fmt: skip
    request = ChatRequest(
        messages=[{"role": "user", "content": message}], model="m", config=config,
        passages=passages,
    )  # fmt: skip
    return "".join(e.text for e in SimulatorBackend().stream_chat(request) if e.kind == "text")


def test_the_reply_leads_with_the_sentence_that_answers_the_question() -> None:
    section = (
        "Northwind ships from Portland. Orders placed by noon leave the same day. "
        "Refunds reach your card within 5 business days of the return arriving."
    )
    reply = _reply("How long do refunds take to reach my card?", section, verbosity=10)
    assert reply.startswith("Here's what I found: Refunds reach your card within 5 business days")


def test_sentences_that_share_as_many_words_lead_in_their_order() -> None:
    section = "Exchanges are free for any size. Exchanges ship the day the return is scanned."
    reply = _reply("Are exchanges possible?", section, verbosity=10)
    assert reply == "Here's what I found: Exchanges are free for any size. [1]"


def test_a_list_item_in_bold_keeps_its_bold_whole() -> None:
    # Before: the leading "**" of "- **Wrong password:** …" was stripped with the bullet, and the
    # reply showed "Wrong password:** use **Forgot password** …" with stray asterisks.
    section = (
        "- **Account locked:** wait 15 minutes.\n"
        "- **Wrong password:** use **Forgot password** on the sign-in page."
    )
    reply = _reply("I typed a wrong password", section, verbosity=10)
    assert reply == (
        "Here's what I found: **Wrong password:** use **Forgot password** on the sign-in page. [1]"
    )


def test_a_table_row_is_answered_with_its_column_names() -> None:
    # Before: the header row "| Option | Delivery time | Cost |." answered a price question.
    table = (
        "| Option | Delivery time | Cost |\n| --- | --- | --- |\n"
        "| Standard | 3–5 business days | $5.95 |\n| Express | 1–2 business days | $14.95 |"
    )
    reply = _reply("How much does express cost?", table, verbosity=10)
    assert reply == (
        "Here's what I found: Express: delivery time 1–2 business days, cost $14.95. [1]"
    )


def test_a_question_in_the_passage_is_not_given_a_second_full_stop() -> None:
    reply = _reply("Can I return sale items?", "Can I return sale items? Sale items are final.")
    assert "?." not in reply and "items? [1]" in reply
