"""Tagging quality: accuracy of the rule-based intent / emotion / urgency tagger on labelled
customer messages (tests/benchmarks/tagging_labelled.yaml), with the intent confusion matrix.

    python tests/benchmarks/bench_tagging.py            # dev + held-out accuracy, dev confusion
    python tests/benchmarks/bench_tagging.py --misses   # also every dev message it gets wrong

Target: intent accuracy ≥ 0.80. The held-out part was never looked at while tuning the rules:
only its accuracy is printed (its misses never are). The dev part grew in three batches, each
written before the rules were tuned on it. Baseline: always answering the most common label of
the set, measured in the same run.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio.chat.tagging import classify  # noqa: E402

LABELS = ("intent", "emotion", "urgency")
TARGET = 0.80


def load() -> dict[str, list[dict[str, str]]]:
    """The labelled messages by split ("dev", "holdout")."""
    data = yaml.safe_load((Path(__file__).parent / "tagging_labelled.yaml").read_text("utf-8"))
    return {"dev": data["dev"], "holdout": data["holdout"]}


def predictions(items: list[dict[str, str]]) -> pd.DataFrame:
    """One row per message: expected and predicted value of each label."""
    rows = []
    for item in items:
        tags = classify(item["text"])
        row = {"text": item["text"]}
        for label in LABELS:
            row[label] = item[label]
            row[f"{label}_got"] = getattr(tags, label).value
        rows.append(row)
    return pd.DataFrame(rows)


def accuracy(frame: pd.DataFrame, label: str) -> float:
    """Share of messages whose `label` was predicted right."""
    return float((frame[label] == frame[f"{label}_got"]).mean())


def majority(frame: pd.DataFrame, label: str) -> float:
    """Accuracy of always answering the most common label (the baseline)."""
    return Counter(frame[label]).most_common(1)[0][1] / len(frame)


def main() -> int:
    splits = {name: predictions(items) for name, items in load().items()}
    print(f"{'split':<9}{'n':>5}  " + "".join(f"{label:>22}" for label in LABELS))
    for name, frame in splits.items():
        cells = "".join(
            f"{accuracy(frame, label):>12.3f} (base {majority(frame, label):.2f})"
            for label in LABELS
        )
        print(f"{name:<9}{len(frame):>5}  {cells}")
    both = pd.concat(splits.values())
    cells = "".join(
        f"{accuracy(both, label):>12.3f} (base {majority(both, label):.2f})" for label in LABELS
    )
    print(f"{'all':<9}{len(both):>5}  {cells}")
    dev = splits["dev"]
    print("\nIntent confusion on dev (rows: expected, columns: predicted)")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.crosstab(dev["intent"], dev["intent_got"]))
    if "--misses" in sys.argv:
        for label in LABELS:
            wrong = dev[dev[label] != dev[f"{label}_got"]]
            print(f"\n{label} misses on dev ({len(wrong)}):")
            for _, row in wrong.iterrows():
                print(f"  expected {row[label]:<20} got {row[label + '_got']:<20} {row['text']!r}")
    held = accuracy(splits["holdout"], "intent")
    verdict = "meets" if held >= TARGET and accuracy(dev, "intent") >= TARGET else "misses"
    print(f"\nintent accuracy target {TARGET:.2f}: {verdict} it (held-out {held:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
