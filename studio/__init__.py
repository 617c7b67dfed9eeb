"""Assistant Studio: design, preview, compare and analyse AI customer assistants."""

__version__ = "0.1.0"
