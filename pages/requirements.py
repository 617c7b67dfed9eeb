"""Placeholder: being built."""

import streamlit as st

st.title("requirements")
st.info("This page is being built.")
