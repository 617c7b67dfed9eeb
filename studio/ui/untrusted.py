"""Rendering text that did not come from the code (model replies, user-supplied names, document
text, error messages that quote them): the one place pages and widgets make it safe, so no
image or media from it loads by itself (hosts in STUDIO_MEDIA_ALLOWED_HOSTS excepted)."""

from __future__ import annotations

import streamlit as st

from studio.core import markdown as md
from studio.core.config import get_settings


def safe(text: str) -> str:
    """`text` ready for any Streamlit markdown element (st.markdown, captions, labels, alerts):
    formatting kept, images from hosts not allowed shown as links with their host."""
    return md.neutralize_media(text, allowed_hosts=get_settings().media_allowed_hosts)


def plain(text: str) -> str:
    """A name (assistant, company, persona, document…) to put inside Markdown: shown literally."""
    return md.plain(text)


def markdown(text: str) -> None:
    """Show untrusted Markdown (formatting kept, images shown as links with their host)."""
    st.markdown(safe(text))
