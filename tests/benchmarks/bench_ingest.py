"""Ingest 1,000 documents (~5 MB of text) with the offline default embedding.

Run: python tests/benchmarks/bench_ingest.py [--docs 1000] [--speed-docs 20] [--rounds 3]
     [--speed-only]
Targets: studio ingest <= 60 s on 2 cores; <= 1.3x the baseline (the same chunks embedded with the
same embedder and written with chromadb's collection.add directly); peak RSS <= 1.5 GB.
Each side runs in its own subprocess so their peak memory is measured separately.

It also prints the CPU model and its SIMD flags, and chunks/s per embedding option and per way of
running the model (one text per run on each core as the studio does, length-sorted padded batches,
same-length batches, two threads per run, onnxruntime's SkipLayerNormalization fusion, and other
builds of the 8-bit model: 7-bit weights, unsigned weights, a lean graph; see
embedding_variants.py), each on the same chunk texts, in interleaved rounds (median), per second
and per CPU-second, with the cosine of its vectors to the studio's. It does so twice where it
can: with this CPU's kernels, and with onnxruntime's AVX2 kernels (AVX-512, VNNI and AMX hidden
from CPUID, as on an AVX2-only EPYC). On a shared machine only figures from the same run compare.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio.knowledge.embeddings import DEFAULT_EMBEDDING, _cpu_count  # noqa: E402
from tests.benchmarks.embedding_variants import avx2_preload  # noqa: E402

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


def cpu_description() -> str:
    """CPU model and the SIMD flags that decide onnxruntime's int8 kernels."""
    model, flags = platform.processor() or "unknown CPU", set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    wanted = ("avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8")
    present = [f for f in wanted if f in flags] or ["none of " + "/".join(wanted)]
    return f"{model}; SIMD: {', '.join(present)}"


def seen_features() -> str:
    """The SIMD features this process's CPUID reports (numpy reads CPUID as onnxruntime does)."""
    from numpy._core._multiarray_umath import __cpu_features__ as features  # type: ignore

    wanted = ("AVX2", "AVX512F", "AVX512_SKX", "AVX512_ICL", "AVX512_SPR")
    return ", ".join(f for f in wanted if features.get(f)) or "none of " + "/".join(wanted)


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
    budget = embedder.token_budget()
    # The same chunks and the same text the studio embeds (title + heading + chunk).
    items: list[tuple[str, str, str, dict[str, object]]] = []
    for number, (name, data) in enumerate(make_documents(count), 1):
        parsed = parse_document(name, data)
        for c in chunk_document(parsed, size=800, overlap=120, budget=budget):
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


def chunk_texts(count: int, budget: object | None) -> list[str]:
    """What the studio embeds for the chunks of `count` documents (title + heading + text)."""
    from studio.knowledge.chunking import chunk_document, embedding_text
    from studio.knowledge.parsing import parse_document

    texts = []
    for name, data in make_documents(count):
        parsed = parse_document(name, data)
        for c in chunk_document(parsed, size=800, overlap=120, budget=budget):  # type: ignore[arg-type]
            texts.append(embedding_text(parsed.title, c.heading, c.text))
    return texts


STUDIO_WAY = "studio: one text per run, a run per core"


def _session(model_path: str, threads: int, fuse_skip_layer_norm: bool) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    disabled = [] if fuse_skip_layer_norm else ["SkipLayerNormFusion"]
    return ort.InferenceSession(
        model_path, options, providers=["CPUExecutionProvider"], disabled_optimizers=disabled
    )


def _mean_pooled(session: Any, batch: list[list[int]]) -> Any:
    import numpy as np

    x = np.zeros((len(batch), max(len(b) for b in batch)), dtype=np.int64)
    mask = np.zeros_like(x)
    for r, ids in enumerate(batch):
        x[r, : len(ids)], mask[r, : len(ids)] = ids, 1
    feed = {"input_ids": x, "attention_mask": mask, "token_type_ids": np.zeros_like(x)}
    feed = {i.name: feed[i.name] for i in session.get_inputs()}  # the lean graph: ids only
    hidden = session.run(None, feed)[0]
    return (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)


def _groups(ids: list[list[int]], size: int, exact: bool) -> list[list[int]]:
    """Indexes in length order, in batches of `size` (of one length only when `exact`)."""
    groups: list[list[int]] = []
    for i in sorted(range(len(ids)), key=lambda i: len(ids[i])):
        same = bool(groups) and (not exact or len(ids[groups[-1][0]]) == len(ids[i]))
        if same and len(groups[-1]) < size:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _ways(
    embedder: Any, texts: list[str], variants: dict[str, Path]
) -> dict[str, Callable[[], Any]]:
    """Ways of running one embedding model over `texts`, each returning normalised vectors."""
    import numpy as np

    from studio.knowledge.embeddings import _map_on_threads, _normalise

    ids = [embedder._tokenizer.encode(t).ids for t in texts]
    path = embedder._session._model_path
    plain, fused, two = _session(path, 1, False), _session(path, 1, True), _session(path, 2, False)

    def batched(session: Any, size: int, exact: bool, workers: int) -> Any:
        out = np.zeros((len(ids), 384), dtype=np.float32)

        def one(group: list[int]) -> Any:
            out[group] = _mean_pooled(session, [ids[i] for i in group])
            return out[group[0]]

        _map_on_threads(one, _groups(ids, size, exact), workers)  # type: ignore[arg-type]
        return _normalise(out)

    def per_text(session: Any) -> Any:
        rows = _map_on_threads(lambda t: _mean_pooled(session, [t])[0], ids, 2)  # type: ignore[arg-type]
        return _normalise(np.vstack(rows))

    others = {name: _session(str(path), 1, False) for name, path in variants.items()}
    return {
        STUDIO_WAY: lambda: embedder.embed(texts),
        **{
            f"{name} model, one text per run": lambda s=session: per_text(s)
            for name, session in others.items()
        },
        "one text per run, SkipLayerNorm fused": lambda: per_text(fused),
        "padded batches of 8, a batch per core": lambda: batched(plain, 8, False, 2),
        "padded batches of 16, a batch per core": lambda: batched(plain, 16, False, 2),
        "same-length batches of 8, a batch per core": lambda: batched(plain, 8, True, 2),
        "padded batches of 16, 2 threads per run": lambda: batched(two, 16, False, 1),
    }


def run_speed(count: int, rounds: int) -> dict[str, Any]:
    """chunks/s per option and per way of running the model (median of interleaved rounds), per
    wall-clock second and per CPU-second of the process (steadier on a shared machine)."""
    import numpy as np

    from studio.core.config import Settings
    from studio.knowledge.embeddings import _shipped_minilm_files, get_embedder
    from tests.benchmarks.embedding_variants import build_variants

    built = build_variants(_shipped_minilm_files()[0], Path(tempfile.mkdtemp(prefix="variants_")))
    variants = {
        "minilm-q8": {k: v for k, v in built.items() if k != "lean float"},
        "minilm-int8": {"lean float": built["lean float"]},
    }
    cpu_rates: dict[str, list[float]] = {}

    settings = Settings(model_cache_dir=MODEL_CACHE)
    rates: dict[str, list[float]] = {}
    cosines: dict[str, float] = {}
    tokens: dict[str, float] = {}
    ways: dict[str, dict[str, Callable[[], Any]]] = {}
    texts: dict[str, list[str]] = {}
    for key in ("minilm-q8", "minilm-int8", "chroma-minilm"):
        try:
            embedder = get_embedder(key, settings=settings)
            embedder.embed(["warm up"])
        except Exception as error:  # an option not available here is reported, not fatal
            print(f"[{key}] skipped: {error}", file=sys.stderr)
            continue
        texts[key] = chunk_texts(count, embedder.token_budget())
        ways[key] = _ways(embedder, texts[key], variants.get(key, {}))
        lengths = [len(embedder._tokenizer.encode(t).ids) for t in texts[key]]  # type: ignore[attr-defined]
        tokens[key] = float(np.mean(lengths))
        reference = ways[key][STUDIO_WAY]()
        for name, fn in ways[key].items():
            cosines[f"{key} | {name}"] = float((fn() * reference).sum(1).min())
    for _ in range(rounds):  # interleaved: a load spike hits every way alike
        for key, options in ways.items():
            for name, fn in options.items():
                start, cpu = time.perf_counter(), time.process_time()
                fn()
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
                rates.setdefault(f"{key} | {name}", []).append(len(texts[key]) / seconds)
                cpu_rates.setdefault(f"{key} | {name}", []).append(len(texts[key]) / cpu)
    return {
        "rates": {k: statistics.median(v) for k, v in rates.items()},
        "cpu_rates": {k: statistics.median(v) for k, v in cpu_rates.items()},
        "seen": seen_features(),
        "cosines": cosines,
        "tokens": tokens,
        "texts": count,
    }


def print_speed(speed: dict[str, object], path: str) -> None:
    rates: dict[str, float] = speed["rates"]  # type: ignore[assignment]
    cpu_rates: dict[str, float] = speed["cpu_rates"]  # type: ignore[assignment]
    cosines: dict[str, float] = speed["cosines"]  # type: ignore[assignment]
    tokens: dict[str, float] = speed["tokens"]  # type: ignore[assignment]
    print(f"\nembedding speed on {cpu_description()}, {_cpu_count()} cores: {path}")
    print(f"  CPUID as the benchmark process saw it: {speed['seen']}")
    print(
        f"  chunks of {speed['texts']} documents; medians of interleaved rounds, per second and "
        f"per CPU-second; x = ratio to the default ({DEFAULT_EMBEDDING}, studio way) in this run"
    )
    base = f"{DEFAULT_EMBEDDING} | {STUDIO_WAY}"
    for key, mean in tokens.items():
        print(f"  [{key}] mean {mean:.0f} tokens per chunk; min cos to this option's studio way")
        for name, rate in rates.items():
            if name.startswith(f"{key} |"):
                label, cpu = name.split(" | ", 1)[1], cpu_rates[name]
                print(
                    f"    {label:<46} {rate:6.1f}/s x{rate / rates[base]:.2f}  "
                    f"{cpu:6.1f}/CPU-s x{cpu / cpu_rates[base]:.2f}  cos {cosines[name]:.4f}"
                )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--embedding", default=DEFAULT_EMBEDDING)
    parser.add_argument("--side", choices=["studio", "baseline", "speed"])
    parser.add_argument("--speed-docs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--speed-only", action="store_true")
    args = parser.parse_args()
    if args.side == "speed":
        print(json.dumps(run_speed(args.speed_docs, args.rounds)))
        return 0
    if args.side:
        run = run_studio if args.side == "studio" else run_baseline
        result = run(args.docs, args.embedding)
        print(json.dumps(result))
        return 0
    command = [sys.executable, __file__, "--side", "speed", "--speed-docs", str(args.speed_docs)]
    avx2, why_not = avx2_preload()
    paths = [("this CPU's kernels", {})]
    if avx2:
        paths.append(("AVX2 kernels (AVX-512/VNNI/AMX hidden from CPUID)", avx2))
    for path, extra in paths:
        out = subprocess.run(
            [*command, "--rounds", str(args.rounds)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, **extra},
        ).stdout
        print_speed(json.loads(out.strip().splitlines()[-1]), path)
    if avx2 is None:
        print(f"  AVX2 path not measured: {why_not}")
    if args.speed_only:
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
