"""Parsing each file type, bad files, file names, and the chunker's properties."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.errors import KnowledgeError
from studio.knowledge.chunking import chunk_document
from studio.knowledge.parsing import (
    ParsedDocument,
    Section,
    clean_filename,
    file_type_of,
    parse_document,
)
from tests.knowledge.files import CSV, HTML, MARKDOWN, docx_bytes, encrypted_pdf_bytes, pdf_bytes


def test_markdown_keeps_the_heading_path() -> None:
    parsed = parse_document("policy.md", MARKDOWN)
    assert parsed.title == "Returns"
    assert [s.headings for s in parsed.sections] == [
        ("Returns",),
        ("Returns", "Refund timing"),
        ("Shipping",),
    ]
    assert "5 business days" in parsed.sections[1].text


def test_pdf_sections_carry_page_numbers() -> None:
    parsed = parse_document(
        "manual.pdf", pdf_bytes(["Wash at 30 degrees", "Dry flat (never tumble)"])
    )
    assert [(s.page, s.text) for s in parsed.sections] == [
        (1, "Wash at 30 degrees"),
        (2, "Dry flat (never tumble)"),
    ]


def test_docx_headings_become_the_heading_path() -> None:
    parsed = parse_document("warranty.docx", docx_bytes())
    assert parsed.title == "Warranty"
    assert parsed.sections[-1].headings == ("Warranty", "Claims")
    assert "claims@example.com" in parsed.sections[-1].text


def test_html_is_converted_to_text_without_scripts_or_styles() -> None:
    parsed = parse_document("faq.html", HTML)
    text = " ".join(s.text for s in parsed.sections)
    assert parsed.title == "Shipping FAQ"
    assert "within one day" in text
    assert "var x" not in text and "color:red" not in text
    assert parsed.sections[-1].headings == ("Shipping", "Abroad")


@pytest.mark.parametrize(
    ("column", "expected", "absent"),
    [
        (None, "question: Do you ship to Peru?; answer: Not yet", None),
        ("answer", "Yes within 60 days", "question:"),
    ],
)
def test_csv_rows_become_entries(column: str | None, expected: str, absent: str | None) -> None:
    parsed = parse_document("faq.csv", CSV, csv_column=column)
    entries = parsed.sections[0].text.split("\n\n")
    assert len(entries) == 2 and expected in entries
    assert absent is None or absent not in parsed.sections[0].text


def test_plain_text_in_a_legacy_encoding_is_read() -> None:
    parsed = parse_document("note.txt", "Café opening hours".encode("cp1252"))
    assert parsed.sections[0].text == "Café opening hours"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.md", b"", "is empty"),
        ("blank.txt", b"  \n\n ", "is empty"),
        ("fake.pdf", b"\x89PNG\r\n\x1a\n\x00\x00garbage", "not a PDF"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "not a readable PDF"),
        ("locked.pdf", None, "password-protected"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable Word"),
        ("image.txt", b"\x00\x01\x02binary", "binary"),
        ("faq.csv", b"question,answer\n", "no data rows"),
        ("program.exe", b"MZ", "not a supported file type"),
        ("noextension", b"hello", "not a supported file type"),
    ],
)
def test_bad_files_get_a_clear_message(name: str, data: bytes | None, message: str) -> None:
    with pytest.raises(KnowledgeError, match=message):
        parse_document(name, data if data is not None else encrypted_pdf_bytes())


def test_a_missing_csv_column_names_the_columns() -> None:
    with pytest.raises(KnowledgeError, match="Columns: question, answer"):
        parse_document("faq.csv", CSV, csv_column="reply")


def test_a_100k_row_csv_fails_fast_with_a_clear_message() -> None:
    rows = "".join(
        f"What is the status of order {i}?,It shipped on day {i % 30}\n" for i in range(100_000)
    )
    parsed = parse_document("big.csv", ("question,answer\n" + rows).encode())
    started = time.perf_counter()
    with pytest.raises(KnowledgeError, match="more than 5,000 chunks"):
        chunk_document(parsed, size=800, overlap=120)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\Desktop\\faq.md", "faq.md"),
        ("Re\u0301sume\u0301.md", "Résumé.md"),  # decomposed accents become composed (NFC)
        ("bad\x00name\u202e.txt", "badname.txt"),  # control and bidi-override characters go
        ("  spaced .md", "spaced .md"),
        ("日本語のガイド.md", "日本語のガイド.md"),
    ],
)
def test_file_names_are_made_safe(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


def test_a_name_that_is_only_folders_is_refused() -> None:
    with pytest.raises(KnowledgeError, match="empty"):
        clean_filename("../..")


@pytest.mark.parametrize(
    ("name", "kind"), [("A.MD", "md"), ("x.markdown", "md"), ("p.HTM", "html")]
)
def test_file_types_are_recognised_case_insensitively(name: str, kind: str) -> None:
    assert file_type_of(name) == kind


def test_chunks_follow_headings_and_are_numbered() -> None:
    chunks = chunk_document(parse_document("policy.md", MARKDOWN), size=200, overlap=0)
    assert [c.chunk_no for c in chunks] == list(range(len(chunks)))
    assert chunks[1].heading == "Returns > Refund timing"
    assert chunks[-1].heading == "Shipping"


def test_pdf_chunks_carry_their_page() -> None:
    chunks = chunk_document(
        parse_document("m.pdf", pdf_bytes(["one", "two", "three"])), size=200, overlap=0
    )
    assert [c.page for c in chunks] == [1, 2, 3]


@pytest.mark.parametrize(("size", "overlap"), [(50, 0), (400, 300)])
def test_chunking_settings_out_of_range_are_refused(size: int, overlap: int) -> None:
    with pytest.raises(KnowledgeError, match="Chunk size"):
        chunk_document(ParsedDocument("t", [Section((), "text")]), size=size, overlap=overlap)


words = st.text(alphabet="abcdefghij", min_size=1, max_size=30)
sentences = st.lists(words, min_size=1, max_size=25).map(lambda w: " ".join(w).capitalize() + ".")
paragraphs = st.lists(sentences, min_size=1, max_size=8).map(" ".join)
documents = st.lists(paragraphs, min_size=1, max_size=12).map("\n\n".join)


@settings(max_examples=60, deadline=None)
@given(text=documents, size=st.integers(100, 600), overlap_share=st.floats(0, 0.5))
def test_chunk_properties(text: str, size: int, overlap_share: float) -> None:
    overlap = int(size * overlap_share)
    parsed = ParsedDocument("t", [Section(("H",), text)])
    chunks = chunk_document(parsed, size=size, overlap=overlap)
    # Never longer than the size, never empty, numbered 0..n-1, deterministic.
    assert all(0 < len(c.text) <= size for c in chunks)
    assert [c.chunk_no for c in chunks] == list(range(len(chunks)))
    assert chunks == chunk_document(parsed, size=size, overlap=overlap)
    # Nothing is lost: every word of the source is in some chunk, in order of first appearance.
    joined = " ".join(c.text for c in chunks).split()
    for word in text.split():
        assert word in joined
    # Positions only move forward.
    assert [c.position for c in chunks] == sorted(c.position for c in chunks)
