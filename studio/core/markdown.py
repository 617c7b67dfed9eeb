"""Markdown from outside the code (model replies, names, document text) made safe to render.

An image in Markdown makes the browser fetch its URL with no click: a reply or a name holding
``![x](https://host/p.png?leak=…)`` would send data away. `neutralize_media` turns every image
whose host is not allowed into a plain link that shows its host, so nothing loads by itself.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from urllib.parse import urlsplit

# ![alt](url "title") — alt without brackets, url without spaces or parentheses.
_INLINE_IMAGE = re.compile(
    r"!\[([^\[\]\n]{0,500})\]\(\s*<?([^\s()<>]{1,2000})>?(?:\s+[\"'][^\n]*?[\"'])?\s*\)"
)


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def neutralize_media(text: str, *, allowed_hosts: Collection[str] = ()) -> str:
    """`text` with every image from a host not in `allowed_hosts` shown as a link (host visible)
    instead of loaded; any other image syntax is escaped so it renders as text."""
    allowed = {h.lower() for h in allowed_hosts}

    def replace(match: re.Match[str]) -> str:
        alt, url = match.group(1), match.group(2)
        host = _host(url).lower()
        if host and host in allowed:
            return match.group(0)
        label = (alt.strip() or "image").replace("[", "").replace("]", "")
        return f"[🖼 {label} ({host or 'link'})]({url})" if host else f"🖼 {label}"

    text = _INLINE_IMAGE.sub(replace, text)
    return text.replace("![", "!\\[")  # reference-style and malformed images: literal text
