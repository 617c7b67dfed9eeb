"""Assistant Studio — entry point: page config, navigation and the sidebar assistant picker."""

import streamlit as st

from studio.errors import StudioError
from studio.ui import state
from studio.ui.navigation import mark_entered
from studio.ui.sidebar import assistant_picker

st.set_page_config(page_title="Assistant Studio", page_icon="🤖", layout="wide")

PAGES = {
    "Design": [
        st.Page("pages/home.py", title="Assistants", icon=":material/smart_toy:", default=True),
        st.Page(
            "pages/requirements.py",
            title="Business requirements",
            icon=":material/business_center:",
        ),
        st.Page("pages/persona.py", title="Persona", icon=":material/face:"),
        st.Page("pages/brand_voice.py", title="Brand voice", icon=":material/campaign:"),
        st.Page("pages/tools.py", title="Tools", icon=":material/build:"),
        st.Page("pages/prompt.py", title="Prompt & versions", icon=":material/history:"),
    ],
    "Knowledge": [
        st.Page("pages/knowledge.py", title="Knowledge", icon=":material/menu_book:"),
    ],
    "Try": [
        st.Page("pages/preview.py", title="Preview", icon=":material/chat:"),
    ],
    "Studio": [
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
    ],
}

navigation = st.navigation(PAGES)
mark_entered()
try:
    assistant_picker()
except StudioError as error:
    st.sidebar.error(str(error))
state.show_flash()
navigation.run()
