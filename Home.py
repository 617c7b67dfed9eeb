"""Assistant Studio — entry point: page config, navigation and the sidebar assistant picker."""

import streamlit as st

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
    "Compare": [
        st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
        st.Page("pages/suites.py", title="Test suites", icon=":material/checklist:"),
    ],
    "Analyze": [
        st.Page("pages/analytics.py", title="Analytics", icon=":material/monitoring:"),
        st.Page("pages/transcripts.py", title="Import transcripts", icon=":material/upload_file:"),
    ],
    "Studio": [
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
        st.Page("pages/team.py", title="Team & audit log", icon=":material/group:"),
    ],
}

# expanded=True: the menu has more than twelve pages, which Streamlit would fold to ten behind
# "View 4 more", hiding the Analyze and Studio sections.
navigation = st.navigation(PAGES, expanded=True)
# The studio's imports and its first database work come after st.navigation on purpose: the first
# browser session after a start runs in Streamlit's legacy pages/ mode and shows that mode's
# sidebar (every file in pages/) until st.navigation replaces it, so it must come first.
from studio.core.errors import StudioError  # noqa: E402
from studio.ui import state  # noqa: E402
from studio.ui.auth import sign_in_gate  # noqa: E402
from studio.ui.navigation import mark_entered  # noqa: E402
from studio.ui.resources import get_engine  # noqa: E402
from studio.ui.sidebar import assistant_picker  # noqa: E402

mark_entered()
try:
    get_engine()  # upgrades the database on first use; a page never runs on a broken one
except StudioError as error:
    st.error(str(error), icon=":material/database:")
    st.stop()
# Who acts in this run; the page itself shows the sign-in screen while nobody is signed in.
if sign_in_gate(interactive=False).signed_in:
    try:
        assistant_picker()
    except StudioError as error:
        st.sidebar.error(str(error))
state.show_flash()
navigation.run()
