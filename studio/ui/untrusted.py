"""Rendering text that did not come from the code (model replies, user-supplied names, document
text): the one place pages and widgets show it, so no image or media from it loads by itself."""

from __future__ import annotations

import streamlit as st

from studio.core.markdown import neutralize_media


def safe(text: str) -> str:
    """`text` ready for any Streamlit markdown element (st.markdown, captions, labels)."""
    return neutralize_media(text)


def markdown(text: str) -> None:
    """Show untrusted Markdown (formatting kept, images shown as links with their host)."""
    st.markdown(safe(text))
