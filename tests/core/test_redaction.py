"""Secrets are removed from text before it is stored, logged or shown; ordinary text is kept."""

from __future__ import annotations

import logging

import pytest

from studio.core import redaction
from studio.core.redaction import MASK, display_url, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer abc.def-123456", "abc.def-123456"),
        ("http://user:pa55word@host:1/v1", "pa55word"),
        ("POST https://host/v1/chat?api-key=XYZ12345&x=1", "XYZ12345"),
        ("your key sk-abcdefghijklmnop is wrong", "sk-abcdefghijklmnop"),
        ('{"api_key": "hunter2222"}', "hunter2222"),
        ("x-api-key: q1w2e3r4t5", "q1w2e3r4t5"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    ],
)
def test_secret_shaped_strings_are_masked(text: str, secret: str) -> None:
    assert secret not in redact(text) and MASK in redact(text)


@pytest.mark.parametrize(
    "text", ["The token limit was reached.", "Pick the basic plan.", "HTTP 500 from the server"]
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_the_configured_key_is_masked_wherever_it_appears(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "plainkey-without-shape")
    assert redact("echo: plainkey-without-shape!") == f"echo: {MASK}!"


def test_a_url_is_shown_without_credentials_or_query() -> None:
    assert display_url("https://u:k@host:8443/v1?api-key=1") == "https://host:8443/v1"


def test_log_records_are_cleaned(caplog: pytest.LogCaptureFixture) -> None:
    redaction.register_secret("registered-secret-value")
    redaction.install_log_redaction()
    with caplog.at_level(logging.DEBUG):
        try:
            raise ValueError("failed with registered-secret-value")
        except ValueError:
            logging.getLogger("studio.test").exception("call %s", "registered-secret-value")
    assert "registered-secret-value" not in caplog.text
    assert caplog.records[-1].getMessage() == f"call {MASK}"
