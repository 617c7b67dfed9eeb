"""Tagging quality: accuracy of the offline taggers (intent / emotion / urgency) on labelled
customer messages (tests/benchmarks/tagging_labelled.yaml), intent confusion, time per message.

    python tests/benchmarks/bench_tagging.py            # both taggers, dev + held-out
    python tests/benchmarks/bench_tagging.py --misses   # also every dev message they get wrong
    python tests/benchmarks/bench_tagging.py --sweep    # dev only: leave-one-out over the constants

Taggers: "rules" (studio.chat.tagging.classify) and "embedding+rules" (studio.chat.tagging.tag:
the intent from labelled examples on MiniLM vectors, the rules tipping close calls; emotion and
urgency from the rules), plus "embedding only" (its intent with no rule bonus) for reference.
The embedding tagger's examples are the dev messages, so on dev it is measured leave-one-out:
each dev message is tagged by weights fitted without it.

Target: intent accuracy ≥ 0.80 on held-out. The held-out part was never looked at while tuning
(rules, examples, constants): only its accuracies are printed, never its misses or confusion.
Its first 60 messages were written with the first dev batch; the other 92 before the embedding
tagger existed and before any tagger ran on them. Baseline: always answering the most common
label of the split, measured in the same run.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio.chat import intent_model  # noqa: E402
from studio.chat.cues import normalize  # noqa: E402
from studio.chat.tagging import Tags, classify, tag_many  # noqa: E402
from studio.core.config import get_settings  # noqa: E402

LABELS = ("intent", "emotion", "urgency")
TARGET = 0.80
Item = dict[str, str]


def load() -> dict[str, list[Item]]:
    """The labelled messages by split ("dev", "holdout")."""
    data = yaml.safe_load((Path(__file__).parent / "tagging_labelled.yaml").read_text("utf-8"))
    return {"dev": data["dev"], "holdout": data["holdout"]}


def frame(items: Sequence[Item], tags: Sequence[Tags]) -> pd.DataFrame:
    """One row per message: expected and predicted value of each label."""
    rows = []
    for item, got in zip(items, tags, strict=True):
        row = {"text": item["text"]}
        for label in LABELS:
            row[label] = item[label]
            row[f"{label}_got"] = getattr(got, label).value
        rows.append(row)
    return pd.DataFrame(rows)


def accuracy(table: pd.DataFrame, label: str) -> float:
    """Share of messages whose `label` was predicted right."""
    return float((table[label] == table[f"{label}_got"]).mean())


def majority(table: pd.DataFrame, label: str) -> float:
    """Accuracy of always answering the most common label (the baseline)."""
    return Counter(table[label]).most_common(1)[0][1] / len(table)


class LeaveOneOut:
    """Intent models fitted on every example but one dev message, for measuring on dev."""

    def __init__(self, embedder: intent_model.Embedder) -> None:
        self.embedder = embedder
        examples = intent_model.load_examples()
        self.texts = [t for t, _ in examples]
        self.intents = [i for _, i in examples]
        self.vectors = embedder.embed([intent_model.embedding_text(normalize(t).lower())
                                       for t in self.texts])  # fmt: skip

    def model_without(self, text: str) -> intent_model.IntentModel:
        keep = [n for n, t in enumerate(self.texts) if t != text]
        weights = intent_model.fit(self.vectors[keep], [self.intents[n] for n in keep])
        return intent_model.IntentModel(embedder=self.embedder, weights=weights)


def tag_dev(items: Sequence[Item], loo: LeaveOneOut) -> tuple[list[Tags], list[np.ndarray]]:
    """Embedding+rules tags of dev messages, each by a model that never saw it, and its scores."""
    tags, scores = [], []
    for item in items:
        model = loo.model_without(item["text"])
        tags.append(tag_many([item["text"]], model=model)[0])
        scores.append(model.scores([normalize(item["text"]).lower()])[0])
    return tags, scores


def per_message_ms(fn: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000 / count


def sweep(items: Sequence[Item], scores: Sequence[np.ndarray]) -> None:
    """Dev leave-one-out intent accuracy over the fusion constants (dev only, never held-out)."""
    saved = (intent_model.RULE_BONUS, intent_model.WEAK_RULE_BONUS, intent_model.MIN_SCORE)
    rules = [classify(i["text"]).intent for i in items]
    print("\nDev leave-one-out intent accuracy by rule bonus / weak bonus / min score")
    for bonus in (0.0, 0.2, 0.3, 0.5, 1.0):
        for weak in (0.0, 0.1):
            for floor in (-1.0, -0.4, -0.2, 0.0):
                intent_model.RULE_BONUS, intent_model.WEAK_RULE_BONUS = bonus, weak
                intent_model.MIN_SCORE = floor
                got = [intent_model.choose(s, r) for s, r in zip(scores, rules, strict=True)]
                ok = np.mean([g.value == i["intent"] for g, i in zip(got, items, strict=True)])
                print(f"  bonus {bonus:.1f}  weak {weak:.1f}  min {floor:+.1f}: {ok:.3f}")
    intent_model.RULE_BONUS, intent_model.WEAK_RULE_BONUS, intent_model.MIN_SCORE = saved


def main() -> int:
    splits = load()
    settings = get_settings()
    shipped = intent_model.get_model(settings)
    if shipped is None:
        print("The built-in embedding is not installed: only the rules can be measured.")
        return 1
    loo = LeaveOneOut(shipped.embedder)
    dev_tags, dev_scores = tag_dev(splits["dev"], loo)
    if "--sweep" in sys.argv:  # dev only: choosing constants never looks at held-out
        sweep(splits["dev"], dev_scores)
        return 0
    held_items = splits["holdout"]
    held_scores = shipped.scores([normalize(i["text"]).lower() for i in held_items])
    held_tags = tag_many([i["text"] for i in held_items])
    taggers: dict[str, dict[str, pd.DataFrame]] = {
        "rules": {n: frame(items, [classify(i["text"]) for i in items])
                  for n, items in splits.items()},
        "embedding+rules": {"dev": frame(splits["dev"], dev_tags),
                            "holdout": frame(held_items, held_tags)},
    }  # fmt: skip
    only = {
        "dev": np.mean([intent_model.choose(s, None).value == i["intent"]
                        for s, i in zip(dev_scores, splits["dev"], strict=True)]),
        "holdout": np.mean([intent_model.choose(s, None).value == i["intent"]
                            for s, i in zip(held_scores, held_items, strict=True)]),
    }  # fmt: skip
    print(f"{'tagger':<17}{'split':<9}{'n':>5}  " + "".join(f"{label:>22}" for label in LABELS))
    for name, by_split in taggers.items():
        for split, table in by_split.items():
            cells = "".join(
                f"{accuracy(table, label):>12.3f} (base {majority(table, label):.2f})"
                for label in LABELS
            )
            print(f"{name:<17}{split:<9}{len(table):>5}  {cells}")
    for split, value in only.items():
        print(f"{'embedding only':<17}{split:<9}{len(splits[split]):>5}  {value:>12.3f} (intent)")
    print("(embedding on dev: leave-one-out; emotion/urgency of embedding+rules: the rules,")
    print(" re-run with the embedding's intent)")

    for name, by_split in taggers.items():
        dev = by_split["dev"]
        print(f"\nIntent confusion of {name} on dev (rows: expected, columns: predicted)")
        with pd.option_context("display.width", 250, "display.max_columns", 20):
            table = pd.crosstab(dev["intent"], dev["intent_got"])
            table.columns = [c[:8] for c in table.columns]
            print(table)
        wrong = Counter(
            (e, g) for e, g in zip(dev["intent"], dev["intent_got"], strict=True) if e != g
        )
        print("  most common dev confusions:",
              ", ".join(f"{e}→{g} {n}" for (e, g), n in wrong.most_common(5)))  # fmt: skip
    if "--misses" in sys.argv:
        for name, by_split in taggers.items():
            dev = by_split["dev"]
            wrong = dev[dev["intent"] != dev["intent_got"]]
            print(f"\n{name}: intent misses on dev ({len(wrong)}):")
            for _, row in wrong.iterrows():
                print(f"  expected {row['intent']:<20} got {row['intent_got']:<20} {row['text']!r}")

    texts = [i["text"] for items in splits.values() for i in items]
    n = len(texts)
    rules_ms = per_message_ms(lambda: [classify(t) for _ in range(5) for t in texts], 5 * n)
    fresh = intent_model.IntentModel(embedder=shipped.embedder, weights=shipped.weights)
    one_ms = per_message_ms(lambda: [tag_many([t], model=fresh) for t in texts], n)
    fresh = intent_model.IntentModel(embedder=shipped.embedder, weights=shipped.weights)
    batch_ms = per_message_ms(lambda: tag_many(texts, model=fresh), n)
    cached_ms = per_message_ms(lambda: tag_many(texts, model=fresh), n)
    print(f"\nTime per message ({n} messages): rules {rules_ms:.3f} ms · embedding+rules "
          f"{one_ms:.2f} ms one by one, {batch_ms:.2f} ms in one batch, {cached_ms:.3f} ms "
          "seen before (cached)")  # fmt: skip
    held = accuracy(taggers["embedding+rules"]["holdout"], "intent")
    verdict = "meets" if held >= TARGET else "misses"
    print(
        f"\nintent accuracy target {TARGET:.2f} (embedding+rules, held-out): {verdict} it "
        f"({held:.3f}; rules alone {accuracy(taggers['rules']['holdout'], 'intent'):.3f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
