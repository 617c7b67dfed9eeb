"""Knowledge bases: parse → chunk → embed → Chroma; retrieve with scores and citations.

INTERFACE STUB — owned by the "knowledge" helper, who replaces the bodies.
"""

from __future__ import annotations

from pydantic import BaseModel


class Passage(BaseModel):
    """One retrieved chunk with where it came from."""

    chunk_id: str  # "{document_id}:{chunk_no}"
    document_id: int
    document_name: str
    heading: str  # heading path, e.g. "Returns > Refund timing"
    page: int | None
    text: str
    score: float  # 0..1, higher is better
    passed_threshold: bool
    rank: int  # 1-based

    @property
    def citation(self) -> str:
        """Human-readable citation, e.g. "returns.md › Refund timing (p. 2)"."""
        parts = [self.document_name]
        if self.heading:
            parts.append(self.heading)
        label = " › ".join(parts)
        return f"{label} (p. {self.page})" if self.page else label
