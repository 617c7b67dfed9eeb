"""Settings: language-model provider status and the model price table used for cost estimates."""

import pandas as pd
import streamlit as st

from studio.access.roles import Permission, why_not
from studio.chat import presets, pricing
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.ui import key_panel
from studio.ui.navigation import run_inside_studio
from studio.ui.resources import get_engine
from studio.ui.untrusted import plain, safe

run_inside_studio()

st.title("Settings")
settings = get_settings()

st.subheader("Language model")
endpoint = settings.llm_base_url or "none — the Preview page starts on the offline simulator"
st.markdown(
    f"- **Default endpoint:** {endpoint}\n"
    f"- **API key:** {presets.api_key_status()} (STUDIO_LLM_API_KEY or OPENAI_API_KEY, in the "
    "environment or `.streamlit/secrets.toml`, or stored encrypted below)\n"
    f"- **Request timeout:** {settings.llm_timeout_s:.0f} s · "
    f"**retries:** {settings.llm_max_retries}"
)

key_panel.limits_caption()
key_panel.stored_key_panel()

st.subheader("Model prices")
st.caption("US dollars per million tokens, used to estimate the cost of each turn. The offline "
           "simulator costs nothing. Defaults can be overridden; removing an override restores "
           "the default.")  # fmt: skip
try:
    with session_scope(get_engine()) as session:
        prices = pricing.list_prices(session=session)
except StudioError as error:
    st.error(safe(str(error)))
    st.stop()
table = pd.DataFrame([p.model_dump() for p in prices])
columns = {"model": "Model", "input_per_million": "Input $/M", "output_per_million": "Output $/M"}
table = table.rename(columns={**columns, "is_default": "Default"})
st.dataframe(table, hide_index=True, width="stretch")

denied = why_not(Permission.MANAGE_SETTINGS)
if denied:
    st.caption(denied)
    st.stop()
with st.form("price_form", clear_on_submit=True):
    st.markdown("**Set a price**")
    model_col, in_col, out_col = st.columns([2, 1, 1])
    model = model_col.text_input("Model name", placeholder="e.g. llama3.1:8b")
    input_price = in_col.number_input(
        "Input $/M tokens",
        min_value=0.0,
        value=0.0,
        step=0.05,
        help="US dollars per million tokens sent to the model (prompt, documents, history).",
    )
    output_price = out_col.number_input(
        "Output $/M tokens",
        min_value=0.0,
        value=0.0,
        step=0.05,
        help="US dollars per million tokens the model writes (its replies).",
    )
    if st.form_submit_button("Save price"):
        try:
            with session_scope(get_engine()) as session:
                pricing.set_price(session=session, model=model, input_per_million=input_price,
                                  output_per_million=output_price)  # fmt: skip
            st.toast(f"Price for {plain(model.strip())} saved.", icon="✅")
            st.rerun()
        except StudioError as error:
            st.error(safe(str(error)))

overrides = [p.model for p in prices if not p.is_default]
if overrides:
    remove_col, button_col = st.columns([3, 1])
    chosen = remove_col.selectbox("Remove a stored price", overrides)
    if button_col.button("Remove", icon=":material/delete:"):
        try:
            with session_scope(get_engine()) as session:
                pricing.delete_price(session=session, model=chosen)
            st.rerun()
        except StudioError as error:
            st.error(safe(str(error)))
