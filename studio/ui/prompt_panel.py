"""The compiled-prompt side panel of the design pages: token count, completeness, the
configuration check for the page's section, and every prompt section with its sources."""

from __future__ import annotations

import streamlit as st

from studio.design.assistants import AssistantDetail
from studio.design.checks import check_config
from studio.design.prompting import compile_prompt, token_count_method, tokens_are_exact
from studio.design.schemas import AssistantConfig
from studio.ui.untrusted import safe

SEVERITY_ICONS = {"error": "🛑", "warning": "⚠️", "info": "💡"}


def _label_of(path: str) -> str:
    section, _, rest = path.partition(".")
    title = {"business": "Business", "brand_voice": "Brand voice"}.get(section, section.title())
    return f"{title} › {rest.replace('_', ' ')}" if rest else title


def prompt_panel(config: AssistantConfig | None, *, section: str, note: str = "") -> None:
    """The compiled system prompt; sections fed by this page first, each with its sources."""
    st.subheader("Compiled prompt", divider="gray")
    if config is None:
        st.caption("Fix the marked fields to see the prompt they produce.")
        return
    compiled = compile_prompt(config)
    check = check_config(config)
    tokens, score = st.columns(2)
    tokens.metric(
        "Tokens",
        f"{'' if tokens_are_exact() else '≈ '}{compiled.token_count:,}",
        help="System prompt plus the tools payload, as sent with every message.",
    )
    score.metric(
        "Completeness",
        f"{check.score}/100",
        help="How much of the configuration that shapes behaviour is filled in, minus errors.",
    )
    st.caption(f"Tokens counted: {token_count_method()}.")
    if note:
        st.caption(note)
    mine = [i for i in check.items if i.field.startswith(section)]
    for item in mine:
        st.caption(f"{SEVERITY_ICONS[item.severity]} `{item.field}` — {safe(item.message)}")
    ours = [s for s in compiled.sections if any(p.startswith(section) for p in s.sources)]
    others = [s for s in compiled.sections if s not in ours]
    for part in ours:
        with st.container(border=True):
            st.markdown(f"**{part.title}** · from this page")
            st.code(part.text, language=None, wrap_lines=True)
            st.caption(
                "Sources: "
                + ", ".join(
                    f"**{_label_of(p)}**" if p.startswith(section) else _label_of(p)
                    for p in part.sources
                )
            )
    with st.expander(f"Rest of the prompt ({len(others)} sections)"):
        for part in others:
            st.markdown(f"**{part.title}**")
            st.text(part.text)
            st.caption("Sources: " + ", ".join(_label_of(p) for p in part.sources))


def section_panel(config: AssistantConfig | None, *, detail: AssistantDetail, section: str) -> None:
    """The prompt panel for the edited config, or the saved draft's while edits are invalid."""
    if config is None:
        prompt_panel(
            detail.draft,
            section=section,
            note="Showing the saved draft: fix the marked fields to preview your edits.",
        )
    else:
        prompt_panel(config, section=section)
