"""Placeholder: being built."""

import streamlit as st

st.title("preview")
st.info("This page is being built.")
