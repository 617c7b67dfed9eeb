"""Designing an assistant: its validated configuration document, the system-prompt compiler,
checks, tools, templates, assistants with their versions and diffs, import and export.
"""
