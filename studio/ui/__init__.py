"""The only Streamlit-aware code: cached resources, session-state keys and shared widgets."""
