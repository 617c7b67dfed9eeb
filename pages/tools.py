"""Placeholder: being built."""

import streamlit as st

st.title("tools")
st.info("This page is being built.")
