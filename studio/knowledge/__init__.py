"""Knowledge bases: documents are parsed, chunked, embedded and kept in Chroma, then retrieved
with scores and citations; background indexing jobs and start-up reconciliation.
"""
