"""The plain shapes knowledge functions take and return, and two checks shared by its modules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel
from sqlmodel import Session

from studio.core.errors import KnowledgeError, NotFound
from studio.core.models import DocumentStatus, KnowledgeBase


class RetrievalOptions(Protocol):
    """How to retrieve: what `retrieve` reads of an assistant's retrieval settings (the design
    package's `RetrievalSettings` is one), so knowledge does not depend on design."""

    @property
    def enabled(self) -> bool: ...
    @property
    def top_k(self) -> int: ...
    @property
    def score_threshold(self) -> float: ...
    @property
    def hybrid(self) -> bool: ...
    @property
    def keyword_weight(self) -> float: ...


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


class KnowledgeBaseInfo(BaseModel):
    id: int
    assistant_id: int | None
    name: str
    embedding: str
    embedding_label: str
    embedding_short: str
    chunk_size: int
    chunk_overlap: int
    document_count: int
    chunk_count: int
    updated_at: datetime


class DocumentInfo(BaseModel):
    id: int
    name: str
    title: str
    file_type: str
    size_bytes: int
    status: DocumentStatus
    error: str | None
    chunk_count: int
    updated_at: datetime


class FileOutcome(BaseModel):
    """What happened to one file: added, replaced, unchanged, retried (indexed again from its kept
    original), failed (with why), or skipped (indexing was stopped before it)."""

    name: str
    outcome: str  # "added" | "replaced" | "unchanged" | "retried" | "failed" | "skipped"
    message: str
    document_id: int | None = None
    chunk_count: int = 0


@dataclass(frozen=True)
class UploadedFile:
    name: str
    data: bytes


def load_knowledge_base(session: Session, knowledge_base_id: int) -> KnowledgeBase:
    """The knowledge-base row. Raises NotFound if it was deleted."""
    row = session.get(KnowledgeBase, knowledge_base_id)
    if row is None:
        raise NotFound("That knowledge base no longer exists.")
    return row


def check_chunking(size: int, overlap: int) -> None:
    """Raises KnowledgeError if chunk size or overlap is out of range."""
    if not 100 <= size <= 4000 or not 0 <= overlap <= size // 2:
        raise KnowledgeError(
            "Chunk size must be between 100 and 4,000 characters and overlap at most half of it."
        )
