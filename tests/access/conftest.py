"""Fixtures for the access tests: the embedded knowledge store, people with each role."""

from __future__ import annotations

from tests.knowledge.conftest import embedded_store  # noqa: F401  (a fixture, re-exported)
