"""Intent from labelled examples: a message's MiniLM vector scored against the examples in
studio/chat/data/intent_examples.yaml, combined with the intent rules.

A ridge classifier (closed form, so deterministic) over the built-in MiniLM vectors of the
examples; its 384 x 10 weights ship next to the examples (intent_weights.npz, refitted with
``python -m studio.chat.intent_model``), so tagging never waits for the examples to be embedded.
A message is one model run (~3 ms for a short message on an idle core) and one small product.

Measured in tests/benchmarks/bench_tagging.py: on the held-out messages the rules alone reach
intent 0.60, this model with the rules clearly better (figures there).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

from studio.chat.cues import normalize
from studio.chat.tag_labels import Intent
from studio.core.config import Settings
from studio.core.errors import KnowledgeError
from studio.knowledge.embeddings import Embedder, get_embedder

DATA_DIR = Path(__file__).parent / "data"
EXAMPLES_FILE = DATA_DIR / "intent_examples.yaml"
WEIGHTS_FILE = DATA_DIR / "intent_weights.npz"
# The shipped model computed in float32: the same vectors from the very first turn on (the 8-bit
# model is derived in the background and may not exist yet), so a message always gets one tag.
EMBEDDING_KEY = "minilm-int8"
RIDGE = 1.0  # regularisation: best leave-one-out accuracy on the dev examples (0.3 - 3 tried)
# What the rules add to the score of the intent they found: a keyword rule tips a close call
# its way; a question mark (information_seeking is the rules' fallback for "?") barely does.
# Not chosen on dev, where the rules were tuned and any larger bonus looks better: replaying the
# rules of earlier commits on the dev batches written after them (messages new to those rules),
# 0.2-0.3 helped and 0.5 or more hurt.
RULE_BONUS = 0.3
WEAK_RULE_BONUS = 0.1
MIN_SCORE = -0.4  # below this no intent fits: "other" (dev leave-one-out: -1 .. 0 tried)
CACHE_SIZE = 20_000  # vectors' scores kept per process (a few hundred bytes each)
LABELS: tuple[Intent, ...] = tuple(Intent)
_DIGITS = re.compile(r"\d+")


def embedding_text(text: str) -> str:
    """What is embedded for `text` (normalised, lower-cased): numbers carry no intent, so an
    order number or a date does not make a message new (and its scores are cached)."""
    return _DIGITS.sub("0", text)


def load_examples(path: Path = EXAMPLES_FILE) -> list[tuple[str, Intent]]:
    """(text, intent) of every description and example in the examples file."""
    data = yaml.safe_load(path.read_text("utf-8"))
    return [
        (str(text), Intent(intent))
        for part in ("descriptions", "examples")
        for intent, texts in data[part].items()
        for text in texts
    ]


def examples_digest(path: Path = EXAMPLES_FILE) -> str:
    """sha256 of the examples file (the shipped weights record the one they were fitted on)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fit(vectors: npt.NDArray[np.float32], intents: Sequence[Intent]) -> npt.NDArray[np.float64]:
    """Ridge weights (dimensions x labels) mapping a vector to one score per label (targets ±1)."""
    targets = np.array([[label == i for label in LABELS] for i in intents], dtype=np.float64)
    x = vectors.astype(np.float64)
    gram = x.T @ x + RIDGE * np.eye(x.shape[1])
    return np.asarray(np.linalg.solve(gram, x.T @ (2 * targets - 1)), dtype=np.float64)


def choose(scores: npt.NDArray[np.float64], rule: Intent | None) -> Intent:
    """The intent for one message from its label scores and the intent the rules found."""
    scores = scores.copy()
    if rule is not None and rule is not Intent.OTHER:
        bonus = WEAK_RULE_BONUS if rule is Intent.INFORMATION_SEEKING else RULE_BONUS
        scores[LABELS.index(rule)] += bonus
    best = int(np.argmax(scores))
    return LABELS[best] if scores[best] >= MIN_SCORE else Intent.OTHER


@dataclass
class IntentModel:
    """Label scores for messages: one embedding per new text, scores cached by text."""

    embedder: Embedder
    weights: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        self._cache: OrderedDict[str, npt.NDArray[np.float64]] = OrderedDict()
        self._lock = threading.Lock()

    def scores(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """One row of label scores per text (normalised, lower-cased). Raises KnowledgeError if
        the embedding model cannot run."""
        keys = [embedding_text(t) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if missing:
            vectors = self.embedder.embed(missing)
            rows = np.asarray(vectors, dtype=np.float64) @ self.weights
            with self._lock:
                for key, row in zip(missing, rows, strict=True):
                    self._cache[key] = row
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        with self._lock:
            found = [self._cache.get(k) for k in keys]
        if any(row is None for row in found):  # evicted meanwhile by another thread's batch
            return self.scores(texts)
        return np.vstack([row for row in found if row is not None])


def _shipped_weights() -> npt.NDArray[np.float64] | None:
    """The shipped weights if they were fitted on the examples file as it is now."""
    try:
        with np.load(WEIGHTS_FILE, allow_pickle=False) as data:
            if str(data["digest"]) != examples_digest() or tuple(data["labels"]) != LABELS:
                return None
            return np.asarray(data["weights"], dtype=np.float64)
    except (OSError, KeyError, ValueError):
        return None


_MODELS: dict[str, IntentModel | None] = {}
_MODELS_LOCK = threading.Lock()


def get_model(settings: Settings) -> IntentModel | None:
    """The embedding intent model, or None when the built-in embedding cannot run here (the
    rules then tag alone, and say so)."""
    with _MODELS_LOCK:
        if EMBEDDING_KEY in _MODELS:
            return _MODELS[EMBEDDING_KEY]
        model: IntentModel | None
        try:
            embedder = get_embedder(EMBEDDING_KEY, settings=settings)
            weights = _shipped_weights()
            if weights is None:  # examples edited without refitting: fit now (seconds, once)
                examples = load_examples()
                weights = fit(embedder.embed([_example_text(t) for t, _ in examples]),
                              [i for _, i in examples])  # fmt: skip
            model = IntentModel(embedder=embedder, weights=weights)
        except KnowledgeError:
            model = None
        _MODELS[EMBEDDING_KEY] = model
        return model


def warm_up_in_background(settings: Settings) -> threading.Thread | None:
    """Load the embedding model now (at start-up, ~1 s) so that the first tagged turn does not
    wait for it; None when the rules tag alone here."""
    if settings.tagger != "embedding":
        return None

    def work() -> None:
        model = get_model(settings)
        if model is not None:
            with contextlib.suppress(KnowledgeError):
                model.scores(["warm up"])

    thread = threading.Thread(target=work, name="tagger-warm-up", daemon=True)
    thread.start()
    return thread


def _example_text(text: str) -> str:
    return embedding_text(normalize(text).lower())


def refit(settings: Settings) -> Path:
    """Fit the weights on the examples file and write them next to it."""
    examples = load_examples()
    embedder = get_embedder(EMBEDDING_KEY, settings=settings)
    weights = fit(embedder.embed([_example_text(t) for t, _ in examples]), [i for _, i in examples])
    np.savez(
        WEIGHTS_FILE,
        weights=weights.astype(np.float32),
        labels=np.array([label.value for label in LABELS]),
        digest=np.array(examples_digest()),
    )
    return WEIGHTS_FILE


if __name__ == "__main__":
    from studio.core.config import get_settings

    print(f"wrote {refit(get_settings())}")
