"""Placeholder: being built."""

import streamlit as st

st.title("prompt")
st.info("This page is being built.")
