"""Reading transcript files: JSONL and CSV shapes, per-line errors, bounds, time zones."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from studio.analytics.transcript_formats import (
    CsvColumns,
    TranscriptFormat,
    TranscriptLimits,
    csv_header,
    parse_transcripts,
)
from studio.core.errors import InvalidInput
from tests.analytics.transcript_files import CSV, VALID, conversation, jsonl

CSV_COLUMNS = CsvColumns(
    conversation_id="conversation", role="sender", content="text", timestamp="sent_at"
)


def test_a_valid_jsonl_file_reads_every_conversation_in_utc() -> None:
    parsed = parse_transcripts(VALID, filename="export.jsonl")
    assert parsed.format is TranscriptFormat.JSONL and parsed.errors == []
    first, second = parsed.conversations
    assert first.external_id == "c-1" and first.metadata == {
        "channel": "web",
        "customer_tier": "gold",
    }
    assert first.messages[3].timestamp is None
    assert second.messages[0].timestamp == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_unknown_keys_are_kept_and_openai_content_parts_are_read() -> None:
    item = {
        "id": 7,
        "channel": "whatsapp",
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {
                "role": "user",
                "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "?"}],
            },
            {"role": "assistant", "content": None, "tool_calls": []},
        ],
    }
    (parsed,) = parse_transcripts(jsonl(item), filename="x.jsonl").conversations
    assert parsed.external_id == "7" and parsed.extra == {"channel": "whatsapp"}
    assert parsed.messages[1].content == "Hello\n?"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps({"messages": [{"role": "user", "content": "hi"}]}), '"id" is missing'),
        (json.dumps({"id": "x", "messages": []}), '"messages" must be a non-empty list'),
        (json.dumps({"id": "x", "messages": [{"role": "bot", "content": "hi"}]}), 'role "bot"'),
        (
            json.dumps({"id": "x", "messages": [{"role": "user", "content": 5}]}),
            "content must be text",
        ),
        (json.dumps(conversation("x", "hi", timestamps=["yesterday"])), "not an ISO-8601"),
        (json.dumps(conversation("x", "hi", metadata=[1])), '"metadata" must be an object'),
        (
            json.dumps(
                {"id": "x", "messages": [{"role": "assistant", "content": "Hi, how can I help?"}]}
            ),
            "no user message",
        ),
        (
            '{"id": "x", "messages": [{"role": "user", "content": "a"}], "metadata": '
            + "[" * 40
            + "]" * 40
            + "}",
            "nests deeper",
        ),
    ],
)
def test_each_bad_line_is_reported_with_its_number_and_the_rest_still_reads(
    line: str, problem: str
) -> None:
    content = jsonl(conversation("ok-1", "hi"), line, conversation("ok-2", "hello?"))
    parsed = parse_transcripts(content, filename="x.jsonl")
    assert [c.external_id for c in parsed.conversations] == ["ok-1", "ok-2"]
    (error,) = parsed.errors
    assert error.line == 2 and problem in error.message


def test_an_overlong_line_is_refused_before_it_is_parsed() -> None:
    big = json.dumps(conversation("big", "x" * 5000))
    limits = TranscriptLimits(max_line_bytes=1024)
    parsed = parse_transcripts(jsonl(big), filename="x.jsonl", limits=limits)
    assert "longer than 1 KB" in parsed.errors[0].message


def test_the_same_id_with_other_messages_is_an_error_and_an_identical_repeat_is_not() -> None:
    content = jsonl(conversation("a", "hi"), conversation("a", "hi"), conversation("a", "bye now"))
    parsed = parse_transcripts(content, filename="x.jsonl")
    assert len(parsed.conversations) == 1
    assert parsed.errors[0].line == 3 and "first on line 1" in parsed.errors[0].message


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (VALID, "export.txt", "not a transcript format"),
        (b"x" * 2048, "big.jsonl", "the import limit is"),
        (b"\x00\x01binary", "x.jsonl", "binary"),
        (b"\xff\xfe\xfa", "x.csv", "not UTF-8"),
        (b'[{"id": "a"}]', "x.json", "JSON Lines"),
        (b"a,b\n1,2\n", "x.csv", 'no column for conversation id → "conversation_id"'),
    ],
)
def test_an_unreadable_file_is_refused_as_a_whole(
    content: bytes, filename: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_transcripts(content, filename=filename, limits=TranscriptLimits(max_bytes=1024))


def test_too_many_conversations_are_refused() -> None:
    content = jsonl(*(conversation(f"c{i}", "hi") for i in range(6)))
    with pytest.raises(InvalidInput, match="more than 5 conversations"):
        parse_transcripts(content, filename="x.jsonl", limits=TranscriptLimits(max_conversations=5))


def test_csv_rows_group_into_conversations_with_the_chosen_columns() -> None:
    assert csv_header(CSV) == ["conversation", "sender", "text", "sent_at"]
    parsed = parse_transcripts(
        CSV, filename="x.csv", columns=CSV_COLUMNS, assume_timezone="Europe/Paris"
    )
    assert parsed.errors == []
    one, two = parsed.conversations
    assert (one.external_id, len(one.messages), one.messages[2].content) == ("t-1", 3, "Thanks")
    # naive times are read in the zone chosen (Paris: UTC+1 in November), zoned ones as written
    assert one.messages[0].timestamp == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert one.naive_timestamps == 3
    assert two.messages[0].timestamp == datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def test_a_bad_csv_row_names_its_line_and_invalidates_only_its_conversation() -> None:
    content = CSV + b"t-3,robot,hello,2026-11-30 08:00\n"
    parsed = parse_transcripts(content, filename="x.csv", columns=CSV_COLUMNS)
    assert [c.external_id for c in parsed.conversations] == ["t-1", "t-2"]
    (error,) = parsed.errors
    assert error.line == 7 and error.conversation_id == "t-3" and 'role "robot"' in error.message


def test_the_content_hash_ignores_the_assumed_zone_but_not_the_text() -> None:
    paris = parse_transcripts(
        CSV, filename="x.csv", columns=CSV_COLUMNS, assume_timezone="Europe/Paris"
    )
    utc = parse_transcripts(CSV, filename="x.csv", columns=CSV_COLUMNS)
    changed = parse_transcripts(
        CSV.replace(b"Thanks", b"Thanks!"), filename="x.csv", columns=CSV_COLUMNS
    )
    assert paris.conversations[0].content_hash == utc.conversations[0].content_hash
    assert changed.conversations[0].content_hash != utc.conversations[0].content_hash


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a time zone"):
        parse_transcripts(VALID, filename="x.jsonl", assume_timezone="Mars/Olympus")
