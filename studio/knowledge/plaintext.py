"""The structure of a plain-text file: headings written the ways people write them in text.

Recognised: underlined (setext) headings (``Title`` over ``=====`` or ``-----``, optionally
overlined too), ALL-CAPS lines and numbered headings (``2. Billing``, ``2.1 Refunds``) standing on
their own between blank lines. The first heading is the document's title. Pure: no I/O.
"""

from __future__ import annotations

import re

_UNDERLINE = re.compile(r"^\s*(={3,}|-{3,}|~{3,}|\*{3,}|#{3,})\s*$")
_NUMBERED = re.compile(r"^\s*((?:\d{1,2}\.)*\d{1,2})[.)]?\s+([A-Z][^\n]*)$")
MAX_HEADING_CHARS = 90
MAX_HEADING_WORDS = 12

Part = tuple[tuple[str, ...], str]  # (heading path, text under it)


def _blank(lines: list[str], index: int) -> bool:
    return index < 0 or index >= len(lines) or not lines[index].strip()


def _short(line: str) -> bool:
    text = line.strip()
    return 0 < len(text) <= MAX_HEADING_CHARS and len(text.split()) <= MAX_HEADING_WORDS


def _all_caps(line: str) -> bool:
    text = line.strip()
    letters = [ch for ch in text if ch.isalpha()]
    return (
        len(letters) >= 3
        and all(ch.isupper() for ch in letters)
        and not text.endswith((".", ",", ";"))
        and not text.startswith(("-", "*", "•"))  # a shouted list item
    )


def _heading_at(lines: list[str], i: int) -> tuple[int, str, int] | None:
    """(level, text, lines used) when a heading starts at line `i`, else None."""
    line = lines[i]
    if not line.strip():
        return None
    following = lines[i + 1] if i + 1 < len(lines) else ""
    over = _UNDERLINE.match(line)
    if over and i + 2 < len(lines) and _short(following) and not _UNDERLINE.match(following):
        under = _UNDERLINE.match(lines[i + 2])
        if under and under.group(1)[0] == over.group(1)[0]:  # overlined and underlined title
            return 1, following.strip(), 3
    if not _blank(lines, i - 1) or not _short(line) or _UNDERLINE.match(line):
        return None
    under = _UNDERLINE.match(following)
    if under:
        return (1 if under.group(1)[0] == "=" else 2), line.strip(), 2
    numbered = _NUMBERED.match(line)
    if numbered and _blank(lines, i + 1) and not line.rstrip().endswith((".", ",", ";", ":")):
        return 2 + numbered.group(1).count("."), line.strip(), 1
    if _all_caps(line) and not line.rstrip().endswith(":"):
        return 2, line.strip(), 1
    return None


def text_sections(text: str) -> tuple[str, list[Part]]:
    """The title (first heading, or "") and the text under each heading path of a plain-text
    document; text before the first heading has no heading."""
    lines = text.splitlines()
    parts: list[Part] = []
    path: list[tuple[int, str]] = []
    body: list[str] = []
    title = ""

    def flush() -> None:
        content = "\n".join(body).strip()
        if content:
            parts.append((tuple(h for _, h in path), content))
        body.clear()

    i = 0
    while i < len(lines):
        found = _heading_at(lines, i)
        if found is None:
            body.append(lines[i])
            i += 1
            continue
        level, heading, used = found
        flush()
        title = title or heading
        path = [(lv, h) for lv, h in path if lv < level] + [(level, heading)]
        i += used
    flush()
    return title, parts
