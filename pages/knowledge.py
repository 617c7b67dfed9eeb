"""Placeholder: being built."""

import streamlit as st

st.title("knowledge")
st.info("This page is being built.")
