"""Retrieval quality on the labelled demo questions: hit@1, hit@3 and MRR per embedding option,
vector-only versus hybrid (several keyword weights) versus keyword-only.

Run: python tests/benchmarks/bench_retrieval_quality.py
Target: the offline default (minilm-q8, at the default keyword weight) reaches hit@3 >= 0.90.
A hit is the answering document among the distinct documents of the top results.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio.core.config import Settings  # noqa: E402
from studio.core.db import make_engine, session_scope  # noqa: E402
from studio.core.errors import KnowledgeError  # noqa: E402
from studio.core.models import Assistant  # noqa: E402
from studio.core.schema import upgrade_database  # noqa: E402
from studio.design.schemas import RetrievalSettings  # noqa: E402
from studio.knowledge.admin import sample_files  # noqa: E402
from studio.knowledge.bases import add_files, create_knowledge_base  # noqa: E402
from studio.knowledge.embeddings import DEFAULT_EMBEDDING, OPTIONS  # noqa: E402
from studio.knowledge.store import open_store, search  # noqa: E402

QUESTIONS = Path(__file__).with_name("retrieval_questions.yaml")
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0)  # 0 = vector only, 1 = keyword (BM25) only
TARGET_HIT3 = 0.90
DEFAULT_WEIGHT = RetrievalSettings().keyword_weight


def ranked_documents(hits: list[object]) -> list[str]:
    seen: list[str] = []
    for hit in hits:
        name = hit.document_name  # type: ignore[attr-defined]
        if name not in seen:
            seen.append(name)
    return seen


def main() -> int:
    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    print(
        f"{len(questions)} labelled questions over {len({q['template'] for q in questions})} "
        "demo knowledge bases"
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench_quality_"))
    settings = Settings(data_dir=tmp / "data")
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    upgrade_database(engine)
    store = open_store(settings)
    results: dict[tuple[str, float], list[int | None]] = defaultdict(list)
    latencies: dict[str, list[float]] = defaultdict(list)
    scores: dict[str, list[tuple[float, float]]] = defaultdict(list)
    failures = 0
    for embedding in OPTIONS:
        try:
            store.embedder(embedding).embed(["probe"])
        except KnowledgeError as error:
            print(f"\n[{embedding}] skipped: {error}")
            continue
        with session_scope(engine) as session:
            collections: dict[str, tuple[str, str]] = {}
            for template in sorted({q["template"] for q in questions}):
                assistant = Assistant(name=f"{embedding}-{template}", draft_config={})
                session.add(assistant)
                session.flush()
                assert assistant.id is not None
                kb = create_knowledge_base(
                    session=session, store=store, assistant_id=assistant.id, embedding=embedding
                )
                add_files(
                    session=session,
                    store=store,
                    knowledge_base_id=kb.id,
                    files=sample_files(template),
                )
                from studio.core.models import KnowledgeBase

                row = session.get(KnowledgeBase, kb.id)
                assert row is not None
                collections[template] = (row.collection, row.updated_at.isoformat())
        for weight in WEIGHTS:
            for q in questions:
                collection, version = collections[q["template"]]
                start = time.perf_counter()
                hits = search(
                    store=store,
                    collection=collection,
                    embedding=embedding,
                    version=version,
                    query=q["question"],
                    top_k=10,
                    keyword_weight=weight,
                )
                latencies[embedding].append((time.perf_counter() - start) * 1000)
                docs = ranked_documents(hits)
                rank = docs.index(q["document"]) + 1 if q["document"] in docs else None
                results[(embedding, weight)].append(rank)
                if weight == DEFAULT_WEIGHT:
                    right = [h.score for h in hits if h.document_name == q["document"]]
                    wrong = [h.score for h in hits if h.document_name != q["document"]]
                    scores[embedding].append((max(right, default=0.0), max(wrong, default=0.0)))
        print(f"\n[{embedding}]  (rows: keyword weight; 0 = vector only, 1 = BM25 only)")
        print(f"  {'weight':>6}  {'hit@1':>6}  {'hit@3':>6}  {'MRR':>6}")
        for weight in WEIGHTS:
            ranks = results[(embedding, weight)]
            hit1 = sum(1 for r in ranks if r == 1) / len(ranks)
            hit3 = sum(1 for r in ranks if r is not None and r <= 3) / len(ranks)
            mrr = sum(1 / r for r in ranks if r) / len(ranks)
            mark = "  <- default" if weight == DEFAULT_WEIGHT else ""
            print(f"  {weight:>6.1f}  {hit1:>6.2f}  {hit3:>6.2f}  {mrr:>6.3f}{mark}")
            if embedding == DEFAULT_EMBEDDING and weight == DEFAULT_WEIGHT and hit3 < TARGET_HIT3:
                failures += 1
        lat = sorted(latencies[embedding])
        print(
            f"  query latency p50 {lat[len(lat) // 2]:.1f} ms, "
            f"p95 {lat[int(len(lat) * 0.95)]:.1f} ms"
        )
        threshold = RetrievalSettings().score_threshold
        right_scores = sorted(r for r, _ in scores[embedding])
        passing = sum(r >= threshold for r in right_scores) / len(right_scores)
        median = right_scores[len(right_scores) // 2]
        print(
            f"  best score of the answering document: median {median:.2f}"
            f", min {right_scores[0]:.2f}; {passing:.0%} pass the default threshold {threshold}"
        )
        misses = [
            q["question"]
            for q, r in zip(questions, results[(embedding, DEFAULT_WEIGHT)], strict=True)
            if r != 1
        ]
        for miss in misses:
            print(f"    not first: {miss}")
    print(
        f"\nTarget: offline default ({DEFAULT_EMBEDDING}, weight {DEFAULT_WEIGHT}) "
        f"hit@3 >= {TARGET_HIT3}"
        f" -> {'MET' if failures == 0 else 'MISSED'}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
