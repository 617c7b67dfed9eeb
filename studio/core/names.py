"""Names people type or import (assistants, companies, personas, knowledge bases) in one form.

Two names that look the same must be the same name: "Café" typed with a combining accent
(NFD) or with a zero-width space inside is the "Café" already taken. And a name is shown in
lists, logs and terminals, so it carries no NUL, no ANSI colour codes, no bidi overrides.
"""

from __future__ import annotations

import re
import unicodedata

# ESC [ … final byte (colours, cursor moves) and ESC ] … BEL/ST (terminal titles, links).
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")


def normalize_name(text: str) -> str:
    """`text` in NFC with ANSI escapes, control and invisible format characters (zero-width
    spaces and joiners, bidi overrides, NUL) removed and runs of whitespace made one space."""
    text = _ANSI.sub("", unicodedata.normalize("NFC", text or ""))
    kept = "".join(
        " " if ch.isspace() else ch
        for i, ch in enumerate(text)
        if not _invisible(ch) or _joins_emoji(text, i)
    )
    return " ".join(kept.split())


def _invisible(ch: str) -> bool:
    # Cc: NUL, ESC, DEL…; Cf: zero-width space/joiners, word joiner, BOM, bidi controls.
    # Whitespace controls (tab, newline) become spaces instead of vanishing.
    return unicodedata.category(ch) in ("Cc", "Cf") and not ch.isspace()


_ZWJ = "\u200d"
_EMOJI_MODIFIERS = ("Mn", "Sk")  # variation selector-16, skin tones, after the pictograph


def _joins_emoji(text: str, i: int) -> bool:
    """A zero-width joiner inside an emoji sequence ("👩‍💻"): it is part of the picture."""
    if text[i] != _ZWJ or i == 0 or i + 1 >= len(text):
        return False
    before = i - 1
    while before > 0 and unicodedata.category(text[before]) in _EMOJI_MODIFIERS:
        before -= 1
    return unicodedata.category(text[before]) == "So" and unicodedata.category(text[i + 1]) == "So"


def name_key(text: str) -> str:
    """What two names are compared by: normalised and case-folded ("Straße" = "STRASSE")."""
    return normalize_name(text).casefold()
