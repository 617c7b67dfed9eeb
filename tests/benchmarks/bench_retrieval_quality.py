"""Retrieval quality on the labelled questions: hit@1 / hit@3 / MRR per embedding option, per
keyword weight, per file format, and how chunking and ranking behave.

Run: python tests/benchmarks/bench_retrieval_quality.py [--embedding minilm-q8]
Targets (offline default minilm-q8 at the default keyword weight, whole labelled set):
hit@1 >= 0.95, hit@3 >= 0.99, and no format more than 2 points of hit@1 below .md, where the
format comparison indexes the same Larkspur articles written as .md, .txt (underlined headings)
and .html. A hit is the answering document among the distinct documents of the top results.

Questions name a demo template (data/samples/knowledge/<template>/) or a benchmark corpus
(tests/benchmarks/corpora/<corpus>/). Also printed, per option: the share of chunks the model
would cut (embedded text over 128 tokens) and of chunk tokens it never sees, how often a
metadata-only passage (source/licence/date line) is among the top 4, and how often the first
document differs between top_k 4 and 20. Uses only the public knowledge API, so the same script
measures an older checkout for a before/after comparison.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio.core.config import Settings  # noqa: E402
from studio.core.db import make_engine, session_scope  # noqa: E402
from studio.core.errors import KnowledgeError  # noqa: E402
from studio.core.models import Assistant, KnowledgeBase  # noqa: E402
from studio.core.schema import upgrade_database  # noqa: E402
from studio.design.schemas import RetrievalSettings  # noqa: E402
from studio.knowledge.admin import sample_files  # noqa: E402
from studio.knowledge.bases import UploadedFile, add_files, create_knowledge_base  # noqa: E402
from studio.knowledge.embeddings import DEFAULT_EMBEDDING, OPTIONS  # noqa: E402
from studio.knowledge.store import open_store, read_all, search  # noqa: E402

QUESTIONS = Path(__file__).with_name("retrieval_questions.yaml")
CORPORA = Path(__file__).with_name("corpora")
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0)  # 0 = vector only, 1 = keyword (BM25) only
TARGET_HIT1, TARGET_HIT3, TARGET_FORMAT_GAP = 0.95, 0.99, 0.02
DEFAULT_WEIGHT = RetrievalSettings().keyword_weight
WINDOW = 128  # tokens all-MiniLM-L6-v2 reads
# The benchmark's own test for a metadata-only passage, independent of the studio's code.
_META = re.compile(
    r"(?i)\b(source|last (updated|reviewed)|licen[cs]ed|copyright|original post)\b|©"
)


def as_text(markdown: str) -> str:
    """A Markdown article as plain text with underlined (setext) headings."""
    lines = []
    for line in markdown.splitlines():
        match = re.match(r"^(#{1,6})\s+(.*)$", line)
        if match:
            lines += [match.group(2), ("=" if len(match.group(1)) == 1 else "-") * len(line)]
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def as_html(markdown: str, title: str) -> str:
    """A Markdown article as a web page (headings and paragraphs; site chrome around it)."""
    body = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        match = re.match(r"^(#{1,6})\s+(.*)$", block.strip())
        if match:
            level = len(match.group(1))
            body.append(f"<h{level}>{html.escape(match.group(2))}</h{level}>")
        else:
            body.append(f"<p>{html.escape(block.strip())}</p>")
    return (
        f"<html><head><title>{html.escape(title)}</title></head><body>"
        "<nav><a href='/'>Home</a> · <a href='/help'>Help</a></nav><main>"
        + "\n".join(body)
        + "</main><footer>© 2026 Larkspur Mobility GmbH</footer></body></html>"
    )


def corpus_files(corpus: str, variant: str) -> list[UploadedFile]:
    """A benchmark corpus as written ("as written"), or its .md articles converted."""
    files = []
    for path in sorted((CORPORA / corpus).iterdir()):
        data = path.read_bytes()
        if variant != "as written" and path.suffix == ".md":
            text = data.decode()
            title = text.splitlines()[0].lstrip("# ")
            if variant == ".txt":
                files.append(UploadedFile(path.stem + ".txt", as_text(text).encode()))
            else:
                files.append(UploadedFile(path.stem + ".html", as_html(text, title).encode()))
        else:
            files.append(UploadedFile(path.name, data))
    return files


def ranked_documents(hits: list[Any]) -> list[str]:
    seen: list[str] = []
    for hit in hits:
        stem = hit.document_name.rsplit(".", 1)[0]  # same article in another format
        if stem not in seen:
            seen.append(stem)
    return seen


def rank_of(hits: list[Any], document: str) -> int | None:
    docs = ranked_documents(hits)
    stem = document.rsplit(".", 1)[0]
    return docs.index(stem) + 1 if stem in docs else None


def figures(ranks: list[int | None]) -> tuple[float, float, float]:
    n = max(1, len(ranks))
    hit1 = sum(1 for r in ranks if r == 1) / n
    hit3 = sum(1 for r in ranks if r is not None and r <= 3) / n
    return hit1, hit3, sum(1 / r for r in ranks if r) / n


def row(label: str, ranks: list[int | None], mark: str = "") -> str:
    hit1, hit3, mrr = figures(ranks)
    return f"  {label:<28} {len(ranks):>4}  {hit1:>6.3f}  {hit3:>6.3f}  {mrr:>6.3f}{mark}"


def chunk_cuts(store: Any, collections: list[str]) -> tuple[float, float, int]:
    """Share of chunks longer than the model's window, share of their tokens it never reads."""
    from tokenizers import Tokenizer

    from studio.knowledge.embeddings import _shipped_minilm_files

    tokenizer = Tokenizer.from_file(str(_shipped_minilm_files()[1]))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    lengths = []
    for name in collections:
        for page in read_all(store.collection(name), include=["documents", "metadatas"]):
            texts = [
                "\n".join(p for p in (str(m.get("title", "")), str(m.get("heading", "")), d) if p)
                for d, m in zip(page["documents"], page["metadatas"], strict=True)
            ]
            lengths += [len(e.ids) for e in tokenizer.encode_batch(texts)]
    cut = sum(1 for n in lengths if n > WINDOW)
    lost = sum(max(0, n - WINDOW) for n in lengths)
    return cut / max(1, len(lengths)), lost / max(1, sum(lengths)), len(lengths)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedding", action="append", help="only these options (repeatable)")
    args = parser.parse_args()
    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    sources = sorted({("template", q["template"]) for q in questions if "template" in q})
    corpora = sorted({q["corpus"] for q in questions if "corpus" in q})
    variants = ("as written", ".txt", ".html")
    print(
        f"{len(questions)} labelled questions: {sum('template' in q for q in questions)} over "
        f"{len(sources)} demo knowledge bases, {sum('corpus' in q for q in questions)} over the "
        f"benchmark corpora {', '.join(corpora)} (also indexed as .txt and as .html)"
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench_quality_"))
    settings = Settings(data_dir=tmp / "data", model_cache_dir=ROOT / "data" / "models")
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    upgrade_database(engine)
    store = open_store(settings)
    failures = 0
    for embedding in args.embedding or list(OPTIONS):
        try:
            store.embedder(embedding).embed(["probe"])
        except KnowledgeError as error:
            print(f"\n[{embedding}] skipped: {error}")
            continue
        kbs: dict[tuple[str, str], tuple[str, str]] = {}
        with session_scope(engine) as session:
            wanted = [(f"template:{t}", "as written") for _, t in sources]
            wanted += [(f"corpus:{c}", v) for c in corpora for v in variants]
            for source, variant in wanted:
                kind, name = source.split(":", 1)
                assistant = Assistant(name=f"{embedding}-{source}-{variant}", draft_config={})
                session.add(assistant)
                session.flush()
                assert assistant.id is not None
                kb = create_knowledge_base(
                    session=session, store=store, assistant_id=assistant.id, embedding=embedding
                )
                files = sample_files(name) if kind == "template" else corpus_files(name, variant)
                outcomes = add_files(
                    session=session, store=store, knowledge_base_id=kb.id, files=files
                )
                assert all(o.outcome == "added" for o in outcomes), outcomes
                row_ = session.get(KnowledgeBase, kb.id)
                assert row_ is not None
                kbs[(source, variant)] = (row_.collection, row_.updated_at.isoformat())

        def ask(
            q: dict[str, Any],
            variant: str,
            weight: float,
            top_k: int = 10,
            kbs: dict[tuple[str, str], tuple[str, str]] = kbs,
            embedding: str = embedding,
        ) -> list[Any]:
            source = f"template:{q['template']}" if "template" in q else f"corpus:{q['corpus']}"
            collection, version = kbs[(source, variant if "corpus" in q else "as written")]
            return search(
                store=store,
                collection=collection,
                embedding=embedding,
                version=version,
                query=q["question"],
                top_k=top_k,
                keyword_weight=weight,
            )

        print(f"\n[{embedding}]  whole labelled set, as written")
        print(f"  {'keyword weight':<28} {'n':>4}  {'hit@1':>6}  {'hit@3':>6}  {'MRR':>6}")
        default: list[int | None] = []
        for weight in WEIGHTS:
            ranks = [rank_of(ask(q, "as written", weight), q["document"]) for q in questions]
            mark = "  <- default" if weight == DEFAULT_WEIGHT else ""
            print(row(f"{weight:.1f}", ranks, mark))
            if weight == DEFAULT_WEIGHT:
                default = ranks
        by_format: dict[str, list[int | None]] = defaultdict(list)
        for q, r in zip(questions, default, strict=True):
            by_format[q["document"].rsplit(".", 1)[-1]].append(r)
        print("  per format of the answering document (as written, default weight):")
        for kind, ranks in sorted(by_format.items()):
            print(row(f".{kind}", ranks))
        print("  the same Larkspur articles written as .md / .txt / .html (default weight):")
        ours = [q for q in questions if "corpus" in q]
        hit1_md = 0.0
        gaps = []
        for variant in variants:
            ranks = [rank_of(ask(q, variant, DEFAULT_WEIGHT), q["document"]) for q in ours]
            hit1 = figures(ranks)[0]
            hit1_md = hit1 if variant == "as written" else hit1_md
            gaps.append(hit1_md - hit1)
            print(row("as .md (written)" if variant == "as written" else f"as {variant}", ranks))
        typo = [r for q, r in zip(questions, default, strict=True) if "typo" in q.get("tags", "")]
        if typo:
            print(row("questions with typos", typo))
        metadata_top4 = first_differs = 0
        for q in questions:
            wide = ask(q, "as written", DEFAULT_WEIGHT, top_k=20)
            narrow = ask(q, "as written", DEFAULT_WEIGHT, top_k=4)
            metadata_top4 += any(len(h.text) < 250 and _META.search(h.text) for h in narrow)
            first_differs += bool(wide and narrow and wide[0].chunk_id != narrow[0].chunk_id)
        cut, lost, chunks = chunk_cuts(store, [c for c, _ in kbs.values()])
        print(
            f"  chunks: {chunks}; cut by the {WINDOW}-token window: {cut:.1%} of chunks, "
            f"{lost:.1%} of chunk tokens never embedded"
        )
        print(
            f"  metadata-only passage in the top 4: {metadata_top4 / len(questions):.1%} of "
            f"questions; first passage differs between top_k 4 and 20: "
            f"{first_differs / len(questions):.1%}"
        )
        for q, r in zip(questions, default, strict=True):
            if r != 1:
                print(f"    not first ({r}): {q['question']}  [{q['document']}]")
        if embedding == DEFAULT_EMBEDDING:
            hit1, hit3, _ = figures(default)
            checks = [
                (f"hit@1 >= {TARGET_HIT1}", hit1 >= TARGET_HIT1, f"{hit1:.3f}"),
                (f"hit@3 >= {TARGET_HIT3}", hit3 >= TARGET_HIT3, f"{hit3:.3f}"),
                (
                    f"no format > {TARGET_FORMAT_GAP * 100:.0f} points below .md",
                    max(gaps) <= TARGET_FORMAT_GAP + 1e-9,
                    f"largest gap {max(gaps) * 100:.1f} points",
                ),
            ]
            for label, ok, value in checks:
                print(f"  {'MET   ' if ok else 'MISSED'} {label}: {value}")
                failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
