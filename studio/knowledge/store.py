"""The Chroma side of knowledge bases: client, collections, and scored (hybrid) search."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.core.config import Settings
from studio.core.errors import KnowledgeError
from studio.knowledge.embeddings import Embedder, get_embedder

READ_PAGE = 5000  # rows per `get` when reading a whole collection
# Vector and keyword candidates per query before fusion: a fixed pool, so the blend (and with it
# the order of the first results) never depends on how many results are asked for. It is larger
# than any top_k an assistant may ask for (20).
CANDIDATES = 50
SYNC_KEYWORD_BUILD = 20_000  # chunks; above this the BM25 index is built in the background


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    document_id: int
    document_name: str
    heading: str
    page: int
    text: str
    score: float
    vector_score: float
    keyword_score: float


_WORD = re.compile(r"[^\W\d_]{4,}")


class _KeywordIndex:
    """BM25 over one collection's chunks, built once per knowledge-base version."""

    def __init__(self, ids: list[str], texts: list[str]) -> None:
        import bm25s

        self.ids = ids
        self.retriever = bm25s.BM25()
        self.retriever.index(
            bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False
        )
        self.words = [w for w in self.retriever.vocab_dict if w]

    def correct(self, query: str, known: Callable[[str], bool]) -> str:
        """`query` with each misspelt word replaced by the indexed word one edit away (two for
        words of 8+ letters). A word is only taken for a typo when neither the index nor the
        embedding model's vocabulary (`known`) has it whole: "Ohio" or "salary" stay as they are,
        "warrenty" becomes "warranty"."""
        from rapidfuzz import process
        from rapidfuzz.distance import DamerauLevenshtein

        vocabulary = self.retriever.vocab_dict

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            lower = word.lower()
            if lower in vocabulary or known(lower):
                return word
            best = process.extractOne(
                lower,
                self.words,
                scorer=DamerauLevenshtein.distance,
                score_cutoff=1 if len(lower) < 8 else 2,
            )
            return str(best[0]) if best else word

        return _WORD.sub(fix, query)

    def top(self, query: str, k: int) -> dict[str, float]:
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return {}
        # The query's vocabulary must be mapped onto the index's: unknown words are dropped.
        known = [w for w in tokens.vocab if w in self.retriever.vocab_dict]
        if not known:
            return {}
        docs, scores = self.retriever.retrieve(
            [known], k=min(k, len(self.ids)), show_progress=False
        )
        return {
            self.ids[int(d)]: float(s) for d, s in zip(docs[0], scores[0], strict=True) if s > 0
        }


class KnowledgeStore:
    """A Chroma client (embedded or server) plus the embedders and keyword indexes in use."""

    def __init__(self, client: Any, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._keyword: dict[str, tuple[str, _KeywordIndex]] = {}
        # Collection handles by name. get_or_create_collection is a round trip (a SQLite read, or
        # an HTTP call to a server) that cost ~30 ms per query under load. Names are unique per
        # knowledge base and re-indexing writes to a new name, so a handle only goes stale when
        # its collection is dropped (drop_collection forgets it) or deleted behind our back.
        self._collections: dict[str, Any] = {}
        self._building: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def embedder(self, key: str) -> Embedder:
        """The embedder for option `key`. Raises KnowledgeError if unavailable."""
        return get_embedder(key, settings=self.settings)

    def check_embedding(self, key: str) -> None:
        """Embed a probe text now. Raises KnowledgeError (with its fix) if `key` cannot run here."""
        self.embedder(key).embed(["probe"])

    def collection(self, name: str, *, fresh: bool = False) -> Any:
        """The Chroma collection `name`, created (cosine space) if missing; a cached handle unless
        `fresh`. Raises KnowledgeError if the store cannot be reached."""
        if not fresh:
            cached = self._collections.get(name)
            if cached is not None:
                return cached
        try:
            handle = self.client.get_or_create_collection(
                name=name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
        except Exception as exc:  # connection errors of HttpClient surface here
            raise KnowledgeError(f"The vector store cannot be reached ({exc}).") from exc
        with self._lock:
            self._collections[name] = handle
        return handle

    def forget_collection(self, name: str) -> None:
        """Drop the cached handle (and keyword index) of `name`; the next use fetches it again."""
        with self._lock:
            self._collections.pop(name, None)
            self._keyword.pop(name, None)

    def collection_names(self) -> list[str]:
        """Names of every collection in the store."""
        return [c.name if hasattr(c, "name") else str(c) for c in self.client.list_collections()]

    def drop_collection(self, name: str) -> None:
        """Delete a collection if it exists (and forget its cached handle)."""
        self.forget_collection(name)
        with contextlib.suppress(Exception):  # already gone: nothing to do
            self.client.delete_collection(name)
        self.forget_collection(name)  # a query racing the delete may have re-cached it

    def keyword_index(self, collection: Any, version: str, *, count: int) -> _KeywordIndex | None:
        """BM25 over a collection, cached until `version` (the KB's updated_at) changes. A large
        collection is (re)built in a background thread meanwhile the previous index — or none, in
        which case search is vector-only — answers, so no chat turn waits for the build."""
        with self._lock:
            cached = self._keyword.get(collection.name)
            if cached and cached[0] == version:
                return cached[1]
            if count > SYNC_KEYWORD_BUILD:
                key = (collection.name, version)
                if key not in self._building:
                    self._building.add(key)
                    threading.Thread(
                        target=self.build_keyword_index, args=(collection, version), daemon=True
                    ).start()
                return cached[1] if cached else None
        return self.build_keyword_index(collection, version)

    def build_keyword_index(self, collection: Any, version: str) -> _KeywordIndex:
        """Build (and cache) the BM25 index of a collection now."""
        ids: list[str] = []
        texts: list[str] = []
        for page in read_all(collection, include=["documents", "metadatas"]):
            ids.extend(page["ids"])
            texts.extend(
                f"{(m or {}).get('title', '')} {(m or {}).get('heading', '')} {d or ''}"
                for d, m in zip(page["documents"], page["metadatas"], strict=True)
            )
        index = _KeywordIndex(ids, texts)
        with self._lock:
            self._keyword[collection.name] = (version, index)
            self._building.discard((collection.name, version))
        return index


def read_all(collection: Any, *, include: list[str]) -> Iterator[Any]:
    """A whole collection, page by page (one huge `get` exceeds SQLite's variable limit)."""
    offset = 0
    while True:
        page = collection.get(include=include, limit=READ_PAGE, offset=offset)
        if not page["ids"]:
            return
        yield page
        offset += len(page["ids"])


def all_ids(collection: Any) -> list[str]:
    """Every chunk id in a collection."""
    return [i for page in read_all(collection, include=[]) for i in page["ids"]]


def open_store(settings: Settings) -> KnowledgeStore:
    """The store named by the settings: Chroma server if a host is set, else embedded on disk.
    Raises KnowledgeError if the server is unreachable or the folder unusable."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_host:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
            client.heartbeat()
        else:
            path = settings.resolved_chroma_path
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:  # chromadb raises assorted connection/OS errors
        where = (
            f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
            if settings.chroma_host
            else f"the folder {settings.resolved_chroma_path}"
        )
        raise KnowledgeError(
            f"Cannot open the vector store ({where}): {str(exc).rstrip('.?! ')}. "
            "Check STUDIO_CHROMA_HOST/PORT, "
            "or unset them to use the embedded store."
        ) from exc
    return KnowledgeStore(client, settings)


def _hit(chunk_id: str, text: str, meta: dict[str, Any], vec: float, kw: float, w: float) -> Hit:
    score = float(np.clip((1 - w) * vec + w * kw, 0.0, 1.0))
    return Hit(
        chunk_id=chunk_id,
        document_id=int(meta.get("document_id", 0)),
        document_name=str(meta.get("document_name", "")),
        heading=str(meta.get("heading", "")),
        page=int(meta.get("page", 0) or 0),
        text=text,
        score=score,
        vector_score=vec,
        keyword_score=kw,
    )


def search(
    *,
    store: KnowledgeStore,
    collection: str,
    embedding: str,
    version: str,
    query: str,
    top_k: int,
    keyword_weight: float,
) -> list[Hit]:
    """Top-k chunks by (1−w)·cosine + w·BM25/max BM25. If the embedding cannot run, falls back
    to keyword search alone. Raises KnowledgeError if the store cannot be read."""
    chroma = store.collection(collection)
    try:
        count = chroma.count()
    except Exception:  # a cached handle whose collection was deleted elsewhere: fetch it anew
        chroma = store.collection(collection, fresh=True)
        count = chroma.count()
    if count == 0:
        return []
    n = min(count, max(top_k, CANDIDATES))
    keyword = store.keyword_index(chroma, version, count=count)
    try:
        embedder = store.embedder(embedding)
        if keyword is not None:
            # Typos are corrected against the knowledge base's own words, for both searches.
            count_tokens = embedder.token_budget().count
            query = keyword.correct(query, lambda word: count_tokens([word]) == [1])
        qvec = embedder.embed([query])[0]
    except KnowledgeError:
        qvec = None  # lexical fallback: the knowledge base still answers, less well
    w = keyword_weight if qvec is not None else 1.0
    texts: dict[str, str] = {}
    metas: dict[str, dict[str, Any]] = {}
    vec: dict[str, float] = {}
    if qvec is not None:
        res = chroma.query(
            query_embeddings=[qvec.tolist()],
            n_results=n,
            include=["documents", "metadatas", "distances"],
        )
        for cid, doc, meta, dist in zip(
            res["ids"][0],
            res["documents"][0],
            res["metadatas"][0],
            res["distances"][0],
            strict=True,
        ):
            texts[cid], metas[cid], vec[cid] = doc or "", dict(meta or {}), 1.0 - float(dist)
    kw: dict[str, float] = {}
    if w > 0:
        raw = keyword.top(query, n) if keyword else {}
        best = max(raw.values(), default=0.0)
        kw = {cid: s / best for cid, s in raw.items()} if best > 0 else {}
        missing = [cid for cid in kw if cid not in texts]
        if missing:
            got = chroma.get(ids=missing, include=["documents", "metadatas", "embeddings"])
            for i, cid in enumerate(got["ids"]):
                texts[cid], metas[cid] = got["documents"][i] or "", dict(got["metadatas"][i] or {})
                if qvec is not None:
                    vec[cid] = float(
                        np.dot(np.asarray(got["embeddings"][i], dtype=np.float32), qvec)
                    )
    hits = [
        _hit(cid, texts[cid], metas[cid], vec.get(cid, 0.0), kw.get(cid, 0.0), w) for cid in texts
    ]
    hits.sort(key=lambda h: (-h.score, -h.vector_score, h.chunk_id))  # ties: a stable order
    return hits[:top_k]
