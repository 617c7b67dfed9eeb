"""Placeholder: being built."""

import streamlit as st

st.title("persona")
st.info("This page is being built.")
