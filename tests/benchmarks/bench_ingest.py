"""Ingest 1,000 documents (~5 MB of text) with the offline default embedding.

Run: python tests/benchmarks/bench_ingest.py [--docs 1000]
Targets: studio ingest <= 60 s on 2 cores; <= 1.3x the baseline (the same chunks embedded with the
same embedder and written with chromadb's collection.add directly); peak RSS <= 1.5 GB.
Each side runs in its own subprocess so their peak memory is measured separately.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio.knowledge.embeddings import DEFAULT_EMBEDDING, _cpu_count  # noqa: E402

MODEL_CACHE = ROOT / "data" / "models"  # where the studio keeps the derived 8-bit model
TARGET_SECONDS = 60.0
TARGET_RATIO = 1.3
TARGET_RSS_MB = 1536.0

WORDS_TEXT = (  # help-centre vocabulary for synthetic articles
    "order refund return parcel delivery shipping warranty invoice payment card account "
    "password sign in reset subscription plan seat team member project export security "
    "data encrypted backup clinic appointment insurance prescription pharmacy visit billing "
    "fee limit transfer verification identity app device notification support ticket status "
    "outage region within days business hours customer please contact email phone chat "
    "assistant policy item size colour exchange damaged missing tracking carrier label "
    "label address change cancel the a of to and for with your our you we can will is are "
    "be on in at by from after before"
)
WORDS = WORDS_TEXT.split()


def make_documents(count: int, seed: int = 7) -> list[tuple[str, bytes]]:
    """`count` markdown help articles of ~5 KB each, with headings and paragraphs."""
    rng = random.Random(seed)
    docs = []
    for i in range(count):
        lines = [f"# Help article {i}: {' '.join(rng.choices(WORDS, k=4))}", ""]
        for section in range(5):
            lines += [f"## Section {section}: {' '.join(rng.choices(WORDS, k=3))}", ""]
            for _ in range(3):
                sentences = [
                    " ".join(rng.choices(WORDS, k=rng.randint(8, 18))).capitalize() + "."
                    for _ in range(rng.randint(3, 5))
                ]
                lines += [" ".join(sentences), ""]
        docs.append((f"article-{i:04d}.md", "\n".join(lines).encode()))
    return docs


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_studio(count: int, embedding: str) -> dict[str, float]:
    from studio.core.config import Settings
    from studio.core.db import make_engine, session_scope
    from studio.core.models import Assistant
    from studio.core.schema import upgrade_database
    from studio.knowledge.bases import UploadedFile, add_files, create_knowledge_base, reindex_all
    from studio.knowledge.store import open_store

    docs = make_documents(count)
    tmp = Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    settings = Settings(data_dir=tmp / "data", model_cache_dir=MODEL_CACHE)
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    upgrade_database(engine)
    store = open_store(settings)
    start = time.perf_counter()
    store.check_embedding(embedding)  # model preparation and load: once, not ingest
    prepare = time.perf_counter() - start
    with session_scope(engine) as session:
        assistant = Assistant(name="bench", draft_config={})
        session.add(assistant)
        session.flush()
        assert assistant.id is not None
        kb = create_knowledge_base(
            session=session, store=store, assistant_id=assistant.id, embedding=embedding
        )
        files = [UploadedFile(name, data) for name, data in docs]
        start = time.perf_counter()
        outcomes = add_files(session=session, store=store, knowledge_base_id=kb.id, files=files)
        seconds = time.perf_counter() - start
        rss = peak_rss_mb()  # of the ingest; the re-index below is timed only
        start = time.perf_counter()
        reindexed = reindex_all(session=session, store=store, knowledge_base_id=kb.id)
        reindex = time.perf_counter() - start
        assert all(o.outcome == "replaced" for o in reindexed)
    chunks = sum(o.chunk_count for o in outcomes)
    assert all(o.outcome == "added" for o in outcomes), [
        o for o in outcomes if o.outcome != "added"
    ]
    return {
        "seconds": seconds,
        "chunks": chunks,
        "rss_mb": rss,
        "mb": sum(len(d) for _, d in docs) / 1e6,
        "prepare": prepare,
        "reindex": reindex,
    }


def run_baseline(count: int, embedding: str) -> dict[str, float]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from studio.core.config import Settings
    from studio.knowledge.chunking import chunk_document
    from studio.knowledge.embeddings import get_embedder
    from studio.knowledge.parsing import parse_document

    embedder = get_embedder(embedding, settings=Settings(model_cache_dir=MODEL_CACHE))
    embedder.embed(["warm up"])
    # The same chunks and the same text the studio embeds (title + heading + chunk).
    items: list[tuple[str, str, str, dict[str, object]]] = []
    for number, (name, data) in enumerate(make_documents(count), 1):
        parsed = parse_document(name, data)
        for c in chunk_document(parsed, size=800, overlap=120):
            text = "\n".join(p for p in (parsed.title, c.heading, c.text) if p)
            meta = {
                "document_id": number,
                "document_name": name,
                "heading": c.heading,
                "page": 0,
                "position": c.position,
                "chunk_no": c.chunk_no,
            }
            items.append((f"{number}:{c.chunk_no}", text, c.text, meta))
    tmp = Path(tempfile.mkdtemp(prefix="bench_baseline_"))
    client = chromadb.PersistentClient(
        path=str(tmp), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.create_collection(
        "baseline", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    start = time.perf_counter()
    vectors = embedder.embed([t for _, t, _, _ in items])
    for s in range(0, len(items), 4000):
        batch = items[s : s + 4000]
        collection.add(
            ids=[i for i, _, _, _ in batch],
            embeddings=vectors[s : s + 4000],
            documents=[d for _, _, d, _ in batch],
            metadatas=[m for _, _, _, m in batch],
        )  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "chunks": len(items), "rss_mb": peak_rss_mb()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--embedding", default=DEFAULT_EMBEDDING)
    parser.add_argument("--side", choices=["studio", "baseline"])
    args = parser.parse_args()
    if args.side:
        run = run_studio if args.side == "studio" else run_baseline
        result = run(args.docs, args.embedding)
        print(json.dumps(result))
        return 0
    results = {}
    for side in ("studio", "baseline"):
        command = [sys.executable, __file__, "--side", side, "--embedding", args.embedding]
        out = subprocess.run(
            [*command, "--docs", str(args.docs)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[side] = json.loads(out.strip().splitlines()[-1])
    studio, base = results["studio"], results["baseline"]
    ratio = studio["seconds"] / base["seconds"]
    print(f"documents: {args.docs} ({studio['mb']:.1f} MB of text), chunks: {studio['chunks']:.0f}")
    print(
        f"embedding: {args.embedding} on {_cpu_count()} cores; model preparation and load "
        f"(once, not counted): {studio['prepare']:.1f} s"
    )
    print(
        f"studio ingest (parse+chunk+SQL+embed+Chroma): {studio['seconds']:.1f} s "
        f"({studio['chunks'] / studio['seconds']:.0f} chunks/s), peak RSS {studio['rss_mb']:.0f} MB"
    )
    print(f"re-index all (same embedding, no target): {studio['reindex']:.1f} s")
    print(
        f"baseline (embed + collection.add, same chunks): {base['seconds']:.1f} s, "
        f"peak RSS {base['rss_mb']:.0f} MB"
    )
    checks = [
        (
            f"time <= {TARGET_SECONDS:.0f} s",
            studio["seconds"] <= TARGET_SECONDS,
            f"{studio['seconds']:.1f} s",
        ),
        (f"ratio <= {TARGET_RATIO}x baseline", ratio <= TARGET_RATIO, f"{ratio:.2f}x"),
        (
            f"peak RSS <= {TARGET_RSS_MB:.0f} MB",
            studio["rss_mb"] <= TARGET_RSS_MB,
            f"{studio['rss_mb']:.0f} MB",
        ),
    ]
    for label, ok, value in checks:
        print(f"  {'MET   ' if ok else 'MISSED'} {label}: {value}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
