"""Sections → chunks the embedding model sees whole. Pure: no database, no Chroma, no model run.

A chunk is packed against a budget in the embedding model's own tokens, counting the title and
heading path that are embedded with it, so no part of it is cut off before the vector (text past
the model's window would only be findable by keyword). A small piece is merged into its neighbour
in the same section, and a piece that is only metadata (a source, licence or "last updated" line)
is never indexed: embedded with the title it becomes "the title alone" and wins on the title's
words for questions it cannot answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from studio.core.errors import KnowledgeError
from studio.knowledge.parsing import MAX_CHUNKS_PER_DOCUMENT, ParsedDocument

TokenCounter = Callable[[Sequence[str]], list[int]]  # tokens of each text, without special tokens
MIN_CHUNK_TOKENS = 24  # a chunk below this is merged into its neighbour when the two fit
MIN_CHUNK_CHARS = 100  # the same, where no tokenizer counts (about 24 tokens of prose)


@dataclass(frozen=True)
class TokenBudget:
    """How many tokens the embedding model reads, and how to count them."""

    max_tokens: int  # the model's window, special tokens included
    count: TokenCounter
    overhead: int = 0  # special tokens the model adds to every text ([CLS], [SEP])
    # Counts of texts joined by whitespace add up (true of WordPiece, which splits at whitespace
    # and punctuation first), so a chunk's count is the sum of its parts' without counting again.
    additive: bool = False

    def measure(self, texts: Sequence[str]) -> list[int]:
        """Tokens the model sees for each text (special tokens included)."""
        return [n + self.overhead for n in self.count(texts)] if texts else []


@dataclass(frozen=True)
class Chunk:
    """A piece of a document small enough to embed, with where it came from."""

    chunk_no: int
    text: str
    heading: str  # "Returns > Refund timing"
    page: int | None
    position: int  # character offset of the chunk's first unit in its section run
    tokens: int | None = None  # tokens of the embedded text (title + heading + text)
    cut: bool = False  # longer than the model's window: its end would not reach the vector
    metadata_only: bool = False  # only a source/licence/date line: shown, never indexed


def embedding_text(title: str, heading: str, text: str) -> str:
    """What is embedded for a chunk: title and heading path give a short chunk its context."""
    return "\n".join(p for p in (title, heading, text) if p)


# Lines that say where a page comes from rather than what it says. A bare keyword must be followed
# by a separator ("Source: …", "Tags — billing") so that prose such as "Updated plans cost more"
# is never taken for metadata; the phrases of the second group are metadata on their own.
_META_PART = re.compile(
    r"""^[\W_]*(?:
        (?:source|sources|original(?:ly)?(?:\s+(?:post(?:ed)?|published|from|article))?|url|link
          |permalink|canonical|tags?|categor(?:y|ies)|filed\s+under|views?|replies|votes?
          |asked|answered|reading\s+time|article\s+id|doc(?:ument)?\s+id|updated|modified
          |reviewed|edited|published|posted|author(?:s)?|licen[cs]e)
          \s*(?:[:=|–—-]|\s+(?=\d))\s*\S.{0,200}
      | last\s+(?:updated|modified|reviewed|edited)
          \s*(?:[:=|–—-]|\s+(?:on\s+)?(?=\d|[a-z]{3,9}\s+\d))
          \s*\S.{0,200}
      | (?:(?:originally\s+)?(?:posted|published)
          \s+(?:on|by|in)|written\s+by|licen[cs]ed\s+under|released\s+under
          |all\s+rights\s+reserved|©|\(c\)\s*\d{4}|copyright\b).{0,200}
      | https?://\S+
      | cc[\s-]+by(?:[\s-]+(?:sa|nc|nd))*(?:\s+\d(?:\.\d)?)?
      | \d+\s*(?:min(?:ute)?s?\s+read|views?|replies|votes?)
    )[\W_]*$""",
    re.IGNORECASE | re.VERBOSE,
)
_META_SEPARATORS = re.compile(r"\s+[·•|]\s+")
_LINK_WORDS = 3  # "Imprint", "Privacy policy": short link texts beside a metadata part


def _metadata_line(line: str) -> bool:
    parts = [p.strip() for p in _META_SEPARATORS.split(line) if p.strip()]
    matched = [bool(_META_PART.match(p)) for p in parts]
    return any(matched) and all(
        m or (len(p.split()) <= _LINK_WORDS and not p.endswith((".", "?", "!")))
        for p, m in zip(parts, matched, strict=True)
    )


def is_metadata(text: str) -> bool:
    """True when every line of `text` only says where it came from (source, licence, dates)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return bool(lines) and all(_metadata_line(line) for line in lines)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


class _Measure:
    """Chars and (when a tokenizer is given) tokens of units; `room` tokens per chunk body."""

    def __init__(self, budget: TokenBudget | None, size: int, room: int | None) -> None:
        self.budget, self.size, self.room = budget, size, room

    def tokens(self, texts: Sequence[str]) -> list[int]:
        return self.budget.count(texts) if self.budget is not None else [0] * len(texts)

    def fits(self, chars: int, tokens: int) -> bool:
        return chars <= self.size and (self.room is None or tokens <= self.room)


def _split_words(sentence: str, measure: _Measure) -> list[str]:
    """A sentence too long for one chunk, as runs of whole words that each fit."""
    words = sentence.split()
    counts = measure.tokens(words)
    pieces: list[str] = []
    run: list[str] = []
    chars = tokens = 0
    for word, n in zip(words, counts, strict=True):
        extra = len(word) + (1 if run else 0)
        if run and not measure.fits(chars + extra, tokens + n):
            pieces.append(" ".join(run))
            run, chars, tokens = [], 0, 0
            extra = len(word)
        if not measure.fits(extra, n):  # one "word" longer than a chunk: cut it by characters
            # (a word piece covers at least one character, so `room` characters always fit)
            step = max(1, measure.size if measure.room is None else min(measure.size, measure.room))
            pieces.extend(word[i : i + step] for i in range(0, len(word), step))
            continue
        run.append(word)
        chars, tokens = chars + extra, tokens + n
    if run:
        pieces.append(" ".join(run))
    return pieces


@dataclass(frozen=True)
class _Unit:
    text: str
    tokens: int
    start: int  # character offset in the section run


def _pieces(paragraph: str, measure: _Measure) -> list[str]:
    """A paragraph as sentences, a sentence too big for a chunk as runs of words."""
    sentences = [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]
    pieces: list[str] = []
    for sentence, n in zip(sentences, measure.tokens(sentences), strict=True):
        pieces.extend(
            [sentence] if measure.fits(len(sentence), n) else _split_words(sentence, measure)
        )
    return pieces


def _with_starts(texts: list[str], measure: _Measure, start: int, gap: int) -> list[_Unit]:
    units = []
    for text, n in zip(texts, measure.tokens(texts), strict=True):
        units.append(_Unit(text, n, start))
        start += len(text) + gap
    return units


def _paragraphs(text: str) -> list[str]:
    paragraphs = [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    return [p for p in paragraphs if p]


def _units(paragraphs: list[str], counts: list[int], measure: _Measure) -> list[_Unit]:
    """Paragraphs; a paragraph too big for a chunk becomes sentences; a sentence, runs of words."""
    units: list[_Unit] = []
    offset = 0
    for paragraph, n in zip(paragraphs, counts, strict=True):
        if measure.fits(len(paragraph), n):
            units.append(_Unit(paragraph, n, offset))
        else:
            units.extend(_with_starts(_pieces(paragraph, measure), measure, offset, 1))
        offset += len(paragraph) + 2
    return units


def _too_many(parsed: ParsedDocument) -> KnowledgeError:
    return KnowledgeError(
        f'"{parsed.title}" would make more than {MAX_CHUNKS_PER_DOCUMENT:,} chunks (too long to '
        "embed here). Split it into smaller files, or for a CSV pick the one column to index."
    )


def _fits(units: Sequence[_Unit], measure: _Measure) -> bool:
    chars = sum(len(u.text) for u in units) + 2 * max(0, len(units) - 1)
    return measure.fits(chars, sum(u.tokens for u in units))


def _small(units: Sequence[_Unit], measure: _Measure) -> bool:
    if measure.room is None:
        return sum(len(u.text) for u in units) < MIN_CHUNK_CHARS
    return sum(u.tokens for u in units) < MIN_CHUNK_TOKENS


def _pack(units: list[_Unit], measure: _Measure, overlap: int) -> list[list[_Unit]]:
    """Greedy packing into chunks that fit, carrying up to `overlap` characters of trailing units
    into the next chunk so context spans the cut. A chunk whose own text would stay small is not
    closed: it takes the next paragraph's first sentences instead (merged with its neighbour)."""
    queue = list(units)
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    carried = 0  # how many units at the start of `current` repeat the previous chunk
    i = 0
    while i < len(queue):
        unit = queue[i]
        if current and not _fits([*current, unit], measure):
            if _small(current[carried:], measure):
                finer = _with_starts(_pieces(unit.text, measure), measure, unit.start, 1)
                if len(finer) > 1:
                    queue[i : i + 1] = finer
                    continue
            groups.append(current)
            carry: list[_Unit] = []
            for prev in reversed(current):
                candidate = [prev, *carry]
                chars = sum(len(u.text) for u in candidate) + 2 * (len(candidate) - 1)
                if chars > overlap or not _fits([*candidate, unit], measure):
                    break
                carry = candidate
            current, carried = carry, len(carry)
        current.append(unit)
        i += 1
    if current:
        groups.append(current)
    # A small last chunk joins the one before it when the two fit together.
    if len(groups) > 1 and _small(groups[-1][carried:], measure):
        merged = groups[-2] + [u for u in groups[-1] if u not in groups[-2]]
        if _fits(merged, measure):
            groups[-2:] = [merged]
    return groups


def chunk_document(
    parsed: ParsedDocument,
    *,
    size: int,
    overlap: int,
    budget: TokenBudget | None = None,
    keep_metadata: bool = False,
) -> list[Chunk]:
    """Chunks of at most `size` characters and, with a `budget`, at most its tokens counting the
    title and heading embedded with them; never across a heading or page; overlapping by whole
    units. Metadata-only chunks are left out unless `keep_metadata` (for a preview).
    Raises KnowledgeError if the settings are out of range or the document makes too many."""
    if size < 100 or not 0 <= overlap < size // 2 + 1:
        raise KnowledgeError("Chunk size must be at least 100 and overlap less than half of it.")
    # Every chunk holds at most `size` characters, so this many chunks at least: refuse early.
    if sum(len(s.text) for s in parsed.sections) / size > MAX_CHUNKS_PER_DOCUMENT:
        raise _too_many(parsed)
    headings = [" > ".join(section.headings) for section in parsed.sections]
    paragraphs = [_paragraphs(section.text) for section in parsed.sections]
    # One tokenizer call for the whole document's paragraphs and one for its prefixes.
    flat = [p for section in paragraphs for p in section]
    flat_counts = budget.count(flat) if budget is not None else [0] * len(flat)
    prefixes = [embedding_text(parsed.title, h, "") for h in headings]
    prefix_tokens = budget.measure(prefixes) if budget is not None else [0] * len(prefixes)
    chunks: list[Chunk] = []
    counted: list[int] = []  # tokens of each chunk as embedded, when they add up
    used = 0
    for section, heading, texts, prefix in zip(
        parsed.sections, headings, paragraphs, prefix_tokens, strict=True
    ):
        counts, used = flat_counts[used : used + len(texts)], used + len(texts)
        room: int | None = None
        if budget is not None:
            # A very long heading path still leaves half the window to the text (the chunk is
            # then marked cut, and shows so in the preview).
            room = max(budget.max_tokens - prefix, budget.max_tokens // 2)
        measure = _Measure(budget, size, room)
        for group in _pack(_units(texts, counts, measure), measure, overlap):
            text = "\n\n".join(u.text for u in group)
            chunks.append(Chunk(0, text, heading, section.page, group[0].start))
            counted.append(prefix + sum(u.tokens for u in group))
            if len(chunks) > MAX_CHUNKS_PER_DOCUMENT:
                raise _too_many(parsed)
    if budget is not None:
        if not budget.additive:
            embedded = [embedding_text(parsed.title, c.heading, c.text) for c in chunks]
            counted = budget.measure(embedded)
        chunks = [
            replace(c, tokens=n, cut=n > budget.max_tokens)
            for c, n in zip(chunks, counted, strict=True)
        ]
    chunks = [replace(c, metadata_only=is_metadata(c.text)) for c in chunks]
    if not keep_metadata and not all(c.metadata_only for c in chunks):
        # (A file of nothing but such lines keeps them: it is indexed as it is.)
        chunks = [c for c in chunks if not c.metadata_only]
    return [replace(c, chunk_no=n) for n, c in enumerate(chunks)]
