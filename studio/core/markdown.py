"""Markdown from outside the code (model replies, names, document text) made safe to render.

An image in Markdown makes the browser fetch its URL with no click: a reply or a name holding
``![x](https://host/p.png?leak=…)`` would send data away. What Streamlit 1.67's Markdown can
fetch by itself, and how each is closed here:

- inline images ``![alt](url)``: shown as a link ``[🖼 alt (host)](url)`` unless the host is
  allowed; reference images ``![alt][ref]`` / ``![ref]`` and every other ``![`` (inside links,
  with nested brackets or newlines…) are escaped, so no image syntax survives at all;
- raw HTML (``<img>``, ``<video>``…) is not rendered by Streamlit unless a page opts in, which
  pages never do for such text; entities (``&#33;[x](…)``) cannot form an image in CommonMark;
- ```` ```mermaid ```` blocks are drawn as diagrams: shown as plain code instead;
- KaTeX runs untrusted (no ``\\includegraphics``/``\\href``), ``:material/…:`` icons and
  ``:streamlit:`` are bundled, links and autolinks need a click: nothing to do.
"""

from __future__ import annotations

import re
from collections.abc import Collection

# ![alt](url "title") — alt without brackets, url without spaces or parentheses.
_INLINE_IMAGE = re.compile(
    r"!\[([^\[\]\n]{0,500})\]\(\s*<?([^\s()<>]{1,2000})>?(?:\s+[\"'][^\n]{0,500}?[\"'])?\s*\)"
)
# An allowed image must name its host plainly: no user info, backslash, escape or entity that
# the browser (or Markdown) would read differently from `urlsplit`.
_PLAIN_URL = re.compile(r"https?://([A-Za-z0-9.-]+)(?::\d{1,5})?(?:[/?#][^\s\\]*)?", re.I)
_MERMAID_FENCE = re.compile(r"^([ \t]{0,3}(?:`{3,}|~{3,})[ \t]*)mermaid\b", re.I | re.M)


_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[/\\]{2}([^/\\?#]*)")


def _host(url: str) -> str:
    # Read like a browser does: "\" ends the host too, so "http://evil\@good" shows "evil".
    match = _AUTHORITY.match(url) or re.match(r"[/\\]{2}([^/\\?#]*)", url)
    if not match:
        return ""
    host = match.group(1).rsplit("@", 1)[-1]
    return (host.split("]")[0] + "]" if host.startswith("[") else host.split(":")[0]).lower()


def _allowed(url: str, allowed: set[str]) -> bool:
    match = _PLAIN_URL.fullmatch(url)
    return bool(match) and match.group(1).lower() in allowed  # type: ignore[union-attr]


def neutralize_media(text: str, *, allowed_hosts: Collection[str] = ()) -> str:
    """`text` with every image from a host not in `allowed_hosts` shown as a link (host visible)
    instead of loaded; any other image syntax is escaped so it renders as text."""
    allowed = {h.strip().lower() for h in allowed_hosts if h.strip()}
    kept: list[str] = []

    def replace(match: re.Match[str]) -> str:
        alt, url = match.group(1), match.group(2)
        if allowed and _allowed(url, allowed):
            kept.append(match.group(0))
            return f"\x00{len(kept) - 1}\x00"
        host = _host(url)
        label = (alt.strip() or "image").replace("!", "").replace("\\", "")
        return f"[🖼 {label} ({host})]({url})" if host else f"🖼 {label}"

    text = text.replace("\x00", "")
    text = _INLINE_IMAGE.sub(replace, text)
    text = text.replace("![", "!\\[")  # reference-style, nested and malformed images: text
    text = _MERMAID_FENCE.sub(r"\1text", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


# What lets one line of Markdown load, link, emphasise, draw an icon (:material/…:), colour
# (:red[…]) or start maths ($…$); "_" inside words, "." and ">" mid-line are plain already.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*\[\]<!:$~|])|(?<!\w)_|_(?!\w)")


# Streamlit finds icons (":material/home:"), emoji shortcodes (":tada:"), bare URLs and e-mail
# addresses in the text *after* parsing, where escapes are gone. An invisible WORD JOINER breaks
# each pattern: after a colon that starts a code, before "http"/"www." (a link needs a space or
# punctuation before it), after the "@" of an address.
_JOINER = "\u2060"
_LINK_START = re.compile(r"(?<![^\W_])(?=https?:|www\.)", re.IGNORECASE)
_AT = re.compile(r"@(?=[-\w])")
_CODE_COLON = re.compile(r"\\:(?=[\w+-])")


def plain(text: str) -> str:
    """`text` shown literally by Markdown: every character that could format, link, load an
    image, draw an icon or start maths is escaped (and a leading heading/list/quote mark), and
    icons, emoji shortcodes and bare links are broken by an invisible word joiner."""
    line = " ".join(text.split())
    line = _AT.sub("@" + _JOINER, _LINK_START.sub(_JOINER, line))
    escaped = _MARKDOWN_PUNCTUATION.sub(lambda m: "\\" + m.group(0), line)
    escaped = _CODE_COLON.sub("\\\\:" + _JOINER, escaped)
    return "\\" + escaped if escaped[:1] in ("#", ">", "-", "+", "=") else escaped
