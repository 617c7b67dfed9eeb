"""Token-aware chunking (the embedding model's own tokens, title and heading included), small and
metadata-only pieces, and plain-text headings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.config import Settings
from studio.knowledge.chunking import (
    MIN_CHUNK_TOKENS,
    TokenBudget,
    chunk_document,
    embedding_text,
    is_metadata,
)
from studio.knowledge.embeddings import MAX_TOKENS, get_embedder
from studio.knowledge.parsing import ParsedDocument, Section, parse_document


@pytest.fixture(scope="module")
def budget() -> TokenBudget:
    """The built-in MiniLM's window and tokenizer (the model itself is not loaded)."""
    return get_embedder("minilm-int8", settings=Settings()).token_budget()


VOCABULARY = [
    "refund",
    "parcel",
    "warranty",
    "Larkspur",
    "e-bike",
    "630",
    "Wh",
    "battery's",
    "charger",
    "E04",
    "unzip",
    "Überweisung",
    "naïve",
    "café",
    "pre-authorisation",
    "3.5",
    "bar",
    "(optional)",
    "'quoted'",
    "—",
    "50%",
    "12,000",
    "km",
]
words = st.one_of(st.sampled_from(VOCABULARY), st.text(alphabet="abcdefghijklmnop", min_size=1))
sentences = st.lists(words, min_size=1, max_size=40).map(lambda w: " ".join(w).capitalize() + ".")
paragraphs = st.lists(sentences, min_size=1, max_size=6).map(" ".join)
texts = st.lists(paragraphs, min_size=1, max_size=8).map("\n\n".join)
headings = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=6).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(
    text=texts,
    title=headings,
    heading=headings,
    size=st.integers(300, 4000),
    overlap_share=st.floats(0, 0.5),
)
def test_every_chunk_is_embedded_whole_with_its_title_and_heading(
    budget: TokenBudget, text: str, title: str, heading: str, size: int, overlap_share: float
) -> None:
    overlap = int(size * overlap_share)
    parsed = ParsedDocument(title, [Section((heading,), text)])
    chunks = chunk_document(parsed, size=size, overlap=overlap, budget=budget)
    # What the model is given (title + heading + text) fits its window: nothing is cut off.
    embedded = [embedding_text(title, c.heading, c.text) for c in chunks]
    assert [c.tokens for c in chunks] == budget.measure(embedded)
    assert all(c.tokens is not None and c.tokens <= MAX_TOKENS for c in chunks)
    assert not any(c.cut for c in chunks)
    assert all(0 < len(c.text) <= size for c in chunks)
    assert [c.chunk_no for c in chunks] == list(range(len(chunks)))
    assert chunks == chunk_document(parsed, size=size, overlap=overlap, budget=budget)
    # Nothing is lost, and positions only move forward.
    joined = " ".join(c.text for c in chunks).split()
    assert all(word in joined for word in text.split())
    assert [c.position for c in chunks] == sorted(c.position for c in chunks)


def test_the_budget_counts_the_models_own_word_pieces(budget: TokenBudget) -> None:
    from tokenizers import Tokenizer

    from studio.knowledge.embeddings import _shipped_minilm_files

    tokenizer = Tokenizer.from_file(str(_shipped_minilm_files()[1]))
    tokenizer.no_truncation()
    text = "Überweisung pre-authorisation of the 630 Wh battery " * 30
    # [CLS] + word pieces + [SEP], untruncated: exactly what the model is fed (up to its window).
    assert budget.measure([text]) == [len(tokenizer.encode(text).ids)]
    assert budget.measure(["pre-authorisation"])[0] > len(["pre-authorisation"]) + 2
    assert budget.max_tokens == MAX_TOKENS


def test_a_heading_path_longer_than_the_window_marks_its_chunks_cut(budget: TokenBudget) -> None:
    heading = " ".join(["Überweisungsbestätigung"] * 40)
    parsed = ParsedDocument("Guide", [Section((heading,), "Transfers arrive in one day.")])
    (chunk,) = chunk_document(parsed, size=800, overlap=0, budget=budget)
    assert chunk.cut and chunk.tokens is not None and chunk.tokens > MAX_TOKENS


def test_without_a_budget_chunks_are_packed_by_characters_and_not_counted() -> None:
    parsed = ParsedDocument("T", [Section(("H",), "word " * 400)])
    chunks = chunk_document(parsed, size=300, overlap=0)
    assert len(chunks) > 1 and all(len(c.text) <= 300 and c.tokens is None for c in chunks)


SOURCE_LINE = (
    "Source: https://community.example.com/t/charging/1182 · Last updated: 4 March 2026 · "
    "Licensed under CC BY-SA 4.0"
)


def test_a_source_line_on_its_own_is_never_indexed(budget: TokenBudget) -> None:
    text = f"# Charging\n\n{SOURCE_LINE}\n\n## Overnight\n\nLeaving it plugged in is safe.\n"
    parsed = parse_document("charging.md", text.encode())
    chunks = chunk_document(parsed, size=800, overlap=0, budget=budget)
    assert [c.text for c in chunks] == ["Leaving it plugged in is safe."]
    shown = chunk_document(parsed, size=800, overlap=0, budget=budget, keep_metadata=True)
    assert [(c.text, c.metadata_only) for c in shown] == [
        (SOURCE_LINE, True),
        ("Leaving it plugged in is safe.", False),
    ]


def test_a_small_chunk_is_merged_into_its_neighbour_in_the_section(budget: TokenBudget) -> None:
    # Packed paragraph by paragraph, the short first paragraph would be a chunk of its own (the
    # long one does not fit beside it): it takes the long paragraph's first sentences instead.
    long = " ".join(
        f"Sentence {n} explains one more detail of the charging rules." for n in range(14)
    )
    parsed = ParsedDocument("Charging", [Section(("Rules",), f"Read this first.\n\n{long}")])
    chunks = chunk_document(parsed, size=4000, overlap=0, budget=budget)
    assert len(chunks) > 1
    assert chunks[0].text.startswith("Read this first.\n\nSentence 0")
    own = budget.count([c.text for c in chunks])
    assert all(n >= MIN_CHUNK_TOKENS for n in own)


def test_a_small_last_chunk_joins_the_one_before_when_both_fit() -> None:
    parsed = ParsedDocument("T", [Section(("H",), "A" * 150 + "\n\n" + "B" * 100 + "\n\nEnd.")])
    chunks = chunk_document(parsed, size=300, overlap=0)
    assert [c.text[-4:] for c in chunks] == ["End."] and len(chunks) == 1


def test_a_file_of_only_metadata_is_still_indexed() -> None:
    parsed = parse_document("credits.md", f"# Credits\n\n{SOURCE_LINE}\n".encode())
    assert [c.metadata_only for c in chunk_document(parsed, size=800, overlap=0)] == [True]


@pytest.mark.parametrize(
    "line",
    [
        SOURCE_LINE,
        "Original post: https://community.example.com/t/2045\nLast updated: 12 January 2026",
        "Posted by Support · Last updated on March 3, 2024",
        "© 2026 Larkspur Mobility GmbH · Imprint · Privacy",
        "Copyright © 2026 Larkspur Mobility GmbH. All rights reserved.",
        "Tags: billing, refunds",
        "https://example.com/help/42",
    ],
)
def test_metadata_lines_are_recognised(line: str) -> None:
    assert is_metadata(line)


@pytest.mark.parametrize(
    "line",
    [
        "Updated plans cost more from July.",
        "Source code for the app is on GitHub if you want to build it yourself.",
        "The source of the noise is usually the brake disc.",
        "Last updated plans are cheaper, and you can switch at any time.",
        "Licence fees are billed yearly.",
    ],
)
def test_prose_that_mentions_sources_or_updates_is_content(line: str) -> None:
    assert not is_metadata(line)


TXT = b"""Maintenance guide
=================

Regular care keeps the bike safe.

Cleaning the bike
-----------------

Never use a pressure washer.

TYRE PRESSURE

Check it every two weeks.

2. Service intervals

Book a service every year.
1. Open the app.
2. Tap Service.
"""


def test_plain_text_keeps_underlined_caps_and_numbered_headings() -> None:
    parsed = parse_document("guide.txt", TXT)
    assert parsed.title == "Maintenance guide"
    assert [(s.headings, s.text.splitlines()[0]) for s in parsed.sections] == [
        (("Maintenance guide",), "Regular care keeps the bike safe."),
        (("Maintenance guide", "Cleaning the bike"), "Never use a pressure washer."),
        (("Maintenance guide", "TYRE PRESSURE"), "Check it every two weeks."),
        (("Maintenance guide", "2. Service intervals"), "Book a service every year."),
    ]
    # A numbered list inside a section stays text.
    assert "1. Open the app." in parsed.sections[-1].text


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (b"=====\nGuide\n=====\n\nBody text.\n", "Guide"),  # over- and underlined
        (b"Just a note without headings.\n", "note"),  # falls back to the file name
        (b"Intro line.\n\nWARRANTY\n\nFive years.\n", "WARRANTY"),
    ],
)
def test_the_title_of_a_text_file_is_its_first_heading(text: bytes, title: str) -> None:
    assert parse_document("note.txt", text).title == title


def test_a_horizontal_rule_or_shouted_sentence_is_not_a_heading() -> None:
    parsed = parse_document(
        "n.txt", b"Intro.\n\n-----\n\nDO NOT OPEN THE BATTERY.\n\nIt voids the warranty.\n"
    )
    assert [s.headings for s in parsed.sections] == [()]


def test_an_html_faq_question_heads_its_answer_and_page_chrome_is_dropped() -> None:
    page = b"""<html><head><title>FAQ</title></head><body><nav><a href="/">Home</a></nav>
    <h2>Returns</h2>
    <details><summary>Can I return a bike?</summary><p>Within 30 days.</p></details>
    <details><summary>When is my refund paid?</summary><p>Within 10 days.</p></details>
    <footer>&copy; 2026 Larkspur</footer></body></html>"""
    parsed = parse_document("faq.html", page)
    assert [(s.headings, s.text) for s in parsed.sections] == [
        (("Returns", "Can I return a bike?"), "Within 30 days."),
        (("Returns", "When is my refund paid?"), "Within 10 days."),
    ]


def test_a_word_longer_than_a_chunk_is_split_so_nothing_is_cut(budget: TokenBudget) -> None:
    blob = "".join(chr(ord("a") + (i * 7919) % 26) + str(i % 10) for i in range(1500))
    parsed = ParsedDocument("T", [Section(("H",), f"Attached key: {blob} (keep it safe).")])
    chunks = chunk_document(parsed, size=1000, overlap=0, budget=budget)
    assert len(chunks) > 1 and not any(c.cut for c in chunks)
    assert blob in "".join(c.text for c in chunks).replace(" ", "").replace("\n", "")
