"""Tags, input limits and reply lint: tables of cases."""

from __future__ import annotations

import pytest

from studio.chat import insights, tagging
from studio.chat.tagging import Emotion, Intent, Urgency
from studio.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("Hello!", Intent.GREETING),
        ("good morning", Intent.GREETING),
        ("I want to cancel my subscription", Intent.CANCELLATION),
        ("This is unacceptable, worst service ever", Intent.COMPLAINT),
        ("How do you compare to Xero?", Intent.COMPARISON),
        ("The app is not working after the update", Intent.PROBLEM_SOLVING),
        ("Where is my order NW-104233?", Intent.SUPPORT_REQUEST),
        ("I'd like a quote for 20 seats", Intent.PURCHASE_INTENT),
        ("What is your return policy?", Intent.INFORMATION_SEEKING),
        ("bye", Intent.FAREWELL),
        ("banana", Intent.OTHER),
    ],
)
def test_intent(message: str, intent: Intent) -> None:
    assert tagging.classify(message).intent is intent


@pytest.mark.parametrize(
    ("message", "emotion"),
    [
        ("I am furious, this is a scam", Emotion.ANGRY),
        ("It's still broken, so frustrating", Emotion.FRUSTRATED),
        ("I'm worried my account was hacked", Emotion.WORRIED),
        ("I don't understand the invoice", Emotion.CONFUSED),
        ("Thanks, that was great", Emotion.HAPPY),
        ("What are your opening hours?", Emotion.NEUTRAL),
    ],
)
def test_emotion(message: str, emotion: Emotion) -> None:
    assert tagging.classify(message).emotion is emotion


@pytest.mark.parametrize(
    ("message", "urgency"),
    [
        ("There is fraud on my card", Urgency.CRITICAL),
        ("Production is down for all users", Urgency.CRITICAL),
        ("I need this fixed urgently today", Urgency.HIGH),
        ("I was charged twice", Urgency.HIGH),
        ("The export shows an error", Urgency.MEDIUM),
        ("What colours does the jacket come in?", Urgency.LOW),
        ("This is ridiculous", Urgency.MEDIUM),  # angry is never low
    ],
)
def test_urgency(message: str, urgency: Urgency) -> None:
    assert tagging.classify(message).urgency is urgency


@pytest.mark.parametrize("message", ["", "   ", "x" * (insights.MAX_MESSAGE_CHARS + 1)])
def test_bad_messages_are_refused_with_a_message(message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        insights.check_message(message)
    assert caught.value.message


def test_a_message_at_the_limit_passes() -> None:
    assert insights.check_message(" " + "x" * insights.MAX_MESSAGE_CHARS) == "x" * 4000


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("No problem, we will sort it.", ["phrase:no problem"]),
        ("Our refund takes 5 days.", []),
        ("Let me give you some legal advice on that.", ["topic:legal advice"]),
        ("Competitor prices are lower.", ["topic:competitor prices"]),
        ("The price is 20 EUR.", []),  # one word of a two-word topic is not the topic
    ],
)
def test_lint(reply: str, expected: list[str]) -> None:
    flags = insights.lint_reply(
        reply,
        forbidden_phrases=["no problem", "unfortunately"],
        forbidden_topics=["legal advice", "competitor prices"],
    )
    assert flags == expected


@pytest.mark.parametrize(
    ("reply", "escalates"),
    [
        ("Let me connect you with a member of the team.", True),
        ("I'll connect you with a colleague.", True),
        ("I can connect you with a member of our team if you'd like.", False),
        ("Your order has shipped.", False),
    ],
)
def test_escalation_detection(reply: str, escalates: bool) -> None:
    assert insights.reply_escalates(reply) is escalates
