"""Import transcripts: production conversations in, tagged like preview traffic."""

import streamlit as st

from studio.ui import forms
from studio.ui.navigation import run_inside_studio
from studio.ui.transcript_import import render_transcript_import

run_inside_studio()

detail = forms.selected_assistant()
st.title("Import transcripts")
render_transcript_import(detail)
