"""Uploaded files → sections (heading path, page, text). Pure: no database, no Chroma.

Chunking the sections is `studio.knowledge.chunking`; plain-text structure is
`studio.knowledge.plaintext`.
"""

from __future__ import annotations

import csv
import io
import re
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath

from studio.core.errors import IndexingStopped, KnowledgeError
from studio.knowledge.plaintext import text_sections

SUPPORTED_TYPES = ("txt", "md", "pdf", "docx", "html", "csv")
_ALIASES = {"markdown": "md", "htm": "html", "text": "txt"}
MAX_CHUNKS_PER_DOCUMENT = 5_000  # ≈4 MB of text, a few minutes to embed: refuse beyond, early
MAX_NAME = 255  # characters of a file name (the column's size), extension kept
# Office files are zip archives: a few hundred KB can expand to gigabytes or to tens of thousands
# of paragraphs (a decompression bomb). Checked on the archive before any XML is parsed.
MAX_EXPANDED_BYTES = 48 * 1024 * 1024  # all members together, uncompressed
MAX_ARCHIVE_MEMBERS = 2_000
MAX_PARAGRAPHS = 20_000  # ≈ a 400-page manual; far more than MAX_CHUNKS_PER_DOCUMENT needs
PARSE_TIME_LIMIT_S = 60.0  # reading one file never takes longer than this


class ParseBudget:
    """How long reading one file may take, and whether to stop now (checked as it goes, so a
    file that is slow to read is given up, and Stop interrupts a file in progress)."""

    def __init__(
        self,
        name: str,
        *,
        time_limit_s: float | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.name, self.should_stop = name, should_stop
        self.time_limit_s = PARSE_TIME_LIMIT_S if time_limit_s is None else time_limit_s
        self.started = time.monotonic()
        self._ticks = 0

    def check(self) -> None:
        """Raises IndexingStopped if asked to stop, KnowledgeError if the time is up."""
        if self.should_stop is not None and self.should_stop():
            raise IndexingStopped(f'Indexing was stopped while "{self.name}" was being read.')
        if time.monotonic() - self.started > self.time_limit_s:
            raise KnowledgeError(
                f'"{self.name}" took longer than {self.time_limit_s:.0f} s to read, so it was '
                "left out. Split it into smaller files, or save it again in a simpler format."
            )

    def tick(self) -> None:
        """`check` every few hundred calls (cheap enough for inner loops)."""
        self._ticks += 1
        if self._ticks % 256 == 0:
            self.check()


@dataclass(frozen=True)
class Section:
    """A run of text under one heading path (and, for PDFs, on one page)."""

    headings: tuple[str, ...]
    text: str
    page: int | None = None


@dataclass(frozen=True)
class ParsedDocument:
    """What a file says, split along its own structure."""

    title: str
    sections: list[Section] = field(default_factory=list)


def clean_filename(raw: str) -> str:
    """A safe display name: no folders or control characters, NFC. Raises KnowledgeError."""
    name = PureWindowsPath(PurePosixPath(raw).name).name  # drop "a/b/" and "a\\b\\"
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if not name:
        raise KnowledgeError(f"The file name {raw!r} is empty once folders are removed; rename it.")
    if len(name) <= MAX_NAME:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 16:  # no real extension to keep
        return name[:MAX_NAME]
    return f"{stem[: MAX_NAME - len(suffix) - 1].rstrip(' .')}.{suffix}"


def file_type_of(name: str) -> str:
    """The supported type of a file from its extension. Raises KnowledgeError if unsupported."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    suffix = _ALIASES.get(suffix, suffix)
    if suffix not in SUPPORTED_TYPES:
        raise KnowledgeError(
            f'"{name}" is not a supported file type. Upload '
            + ", ".join(f".{t}" for t in SUPPORTED_TYPES)
            + " files."
        )
    return suffix


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise KnowledgeError(f'"{name}" looks like a binary file, not text.')
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def _markdown_sections(text: str) -> tuple[str, list[Section]]:
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    buf: list[str] = []
    title = ""
    in_code = False

    def flush() -> None:
        body = "\n".join(buf).strip()
        if body:
            sections.append(Section(tuple(h for _, h in path), body))
        buf.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        match = None if in_code else _MD_HEADING.match(line)
        if match:
            flush()
            level, heading = len(match.group(1)), match.group(2).strip()
            title = title or heading
            path = [(lv, h) for lv, h in path if lv < level] + [(level, heading)]
        else:
            buf.append(line)
    flush()
    return title, sections


def _pdf_sections(data: bytes, name: str, budget: ParseBudget) -> list[Section]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise KnowledgeError(
                f'"{name}" is a password-protected PDF. Remove the password and upload it again.'
            )
        pages = []
        for page in reader.pages:
            budget.check()
            pages.append(page.extract_text() or "")
    except KnowledgeError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, IndexError) as exc:
        raise KnowledgeError(
            f'"{name}" is not a readable PDF ({type(exc).__name__}). It may be damaged: '
            "export it again and re-upload."
        ) from exc
    return [Section((), text.strip(), page=i) for i, text in enumerate(pages, 1) if text.strip()]


def _unreadable_docx(name: str) -> KnowledgeError:
    return KnowledgeError(
        f'"{name}" is not a readable Word (.docx) file. Save it again as .docx and re-upload.'
    )


def _check_office_archive(data: bytes, name: str) -> None:
    """Refuse a decompression bomb before parsing. Raises KnowledgeError."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _unreadable_docx(name) from exc
    too_big = KnowledgeError(
        f'"{name}" expands to far more than a document of its size should (more than '
        f"{MAX_EXPANDED_BYTES // (1024 * 1024)} MB, or more than {MAX_PARAGRAPHS:,} paragraphs), "
        "so it was not read. Split it into smaller files or save it again."
    )
    if len(members) > MAX_ARCHIVE_MEMBERS or sum(m.file_size for m in members) > MAX_EXPANDED_BYTES:
        raise too_big
    try:
        with archive.open("word/document.xml") as body:
            # Read what it really expands to (the sizes in the archive can lie), counting
            # paragraphs on the way; a paragraph tag cut between two pieces is counted too.
            read, paragraphs, tail = 0, 0, b""
            while piece := body.read(1 << 20):
                read += len(piece)
                window = tail + piece
                paragraphs += window.count(b"<w:p>") + window.count(b"<w:p ")
                paragraphs -= tail.count(b"<w:p>") + tail.count(b"<w:p ")
                tail = window[-5:]
                if read > MAX_EXPANDED_BYTES or paragraphs > MAX_PARAGRAPHS:
                    raise too_big
    except KeyError as exc:  # no document body: not a Word document
        raise _unreadable_docx(name) from exc
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise _unreadable_docx(name) from exc


def _docx_sections(data: bytes, name: str, budget: ParseBudget) -> tuple[str, list[Section]]:
    import docx

    _check_office_archive(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        # paragraph.style looks the style up among all styles each time (9 ms a paragraph
        # measured): look each style id up once.
        style_names: dict[str | None, str] = {}
        for paragraph in document.paragraphs:
            budget.tick()
            style_id = paragraph._p.style
            if style_id not in style_names:
                found = paragraph.style
                style_names[style_id] = (found.name if found is not None else "") or ""
            style = style_names[style_id]
            text = paragraph.text.strip()
            if not text:
                lines.append("")
            elif style.startswith("Heading") and style[-1:].isdigit():
                lines.append("#" * int(style[-1]) + " " + text)
            elif style == "Title":
                lines.append("# " + text)
            else:
                lines.append(text)
                lines.append("")
    except (KnowledgeError, IndexingStopped):
        raise
    except Exception as exc:  # python-docx/lxml raise many kinds (XMLSyntaxError, KeyError…)
        raise _unreadable_docx(name) from exc
    return _markdown_sections("\n".join(lines))


def _html_sections(data: bytes, name: str) -> tuple[str, list[Section]]:
    from inscriptis import get_text

    html = _decode(data, name)
    match = re.search(r"<title[^>]*>(.*?)</title>", html, re.I | re.S)
    title = re.sub(r"\s+", " ", match.group(1)).strip() if match else ""
    # Site navigation and footers are not part of the page's content: drop them.
    html = re.sub(r"<(nav|footer)\b[^>]*>.*?</\1\s*>", " ", html, flags=re.I | re.S)
    # Mark headings so the text keeps its structure, then let inscriptis do the real work.
    marked = re.sub(
        r"<h([1-6])[^>]*>(.*?)</h\1>",
        lambda m: f"<p>{'#' * int(m.group(1))} {re.sub(r'<[^>]+>', '', m.group(2)).strip()}</p>",
        html,
        flags=re.I | re.S,
    )
    # An FAQ's questions in <summary> (of <details>) or <dt> head their answers: deepest level,
    # so each one nests under the page's last heading and the next question replaces it.
    marked = re.sub(
        r"<(summary|dt)\b[^>]*>(.*?)</\1\s*>",
        lambda m: f"<p>###### {re.sub(r'<[^>]+>', '', m.group(2)).strip()}</p>",
        marked,
        flags=re.I | re.S,
    )
    md_title, sections = _markdown_sections(get_text(marked))
    return title or md_title, sections


def _csv_sections(data: bytes, name: str, column: str | None) -> list[Section]:
    text = _decode(data, name)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise KnowledgeError(f'"{name}" is not a valid CSV file ({exc}).') from exc
    if len(rows) < 2:
        raise KnowledgeError(f'"{name}" has no data rows under its header.')
    header = [h.strip() or f"column {i + 1}" for i, h in enumerate(rows[0])]
    if column is not None and column not in header:
        raise KnowledgeError(f'"{name}" has no column "{column}". Columns: {", ".join(header)}.')
    col = header.index(column) if column is not None else None
    entries: list[str] = []
    for row in rows[1:]:
        if col is not None:
            value = row[col].strip() if col < len(row) else ""
        else:
            value = "; ".join(f"{h}: {v.strip()}" for h, v in zip(header, row, strict=False) if v)
        if value:
            entries.append(value)
    # One entry per paragraph: the chunker keeps each row whole and packs rows up to chunk size.
    return [Section((), "\n\n".join(entries))] if entries else []


def parse_document(
    name: str, data: bytes, *, csv_column: str | None = None, budget: ParseBudget | None = None
) -> ParsedDocument:
    """Split a file into sections along its headings/pages. Raises KnowledgeError if unreadable
    or slower to read than the budget allows, IndexingStopped if the budget says stop."""
    budget = budget or ParseBudget(name)
    kind = file_type_of(name)
    stem = name.rsplit(".", 1)[0]
    if not data.strip():
        raise KnowledgeError(f'"{name}" is empty.')
    title = ""
    if kind == "pdf":
        if not data.lstrip().startswith(b"%PDF"):
            raise KnowledgeError(f'"{name}" is not a PDF file (its content is something else).')
        sections = _pdf_sections(data, name, budget)
    elif kind == "docx":
        title, sections = _docx_sections(data, name, budget)
    elif kind == "html":
        title, sections = _html_sections(data, name)
    elif kind == "csv":
        sections = _csv_sections(data, name, csv_column)
    elif kind == "md":
        title, sections = _markdown_sections(_decode(data, name))
    else:
        title, parts = text_sections(_decode(data, name))
        sections = [Section(headings, text) for headings, text in parts]
    if not sections:
        raise KnowledgeError(f'"{name}" contains no text that could be extracted.')
    budget.check()
    return ParsedDocument(title=title or stem, sections=sections)
