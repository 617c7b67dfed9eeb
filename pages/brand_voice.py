"""Placeholder: being built."""

import streamlit as st

st.title("brand_voice")
st.info("This page is being built.")
