"""KPIs from the aggregate frames: one definition each, for the period, the previous period of
equal length, and per version.

Definitions (what the dashboard's help texts say):
- satisfaction = 👍 / (👍 + 👎) over rated replies; unrated replies do not dilute it;
- accuracy = share of replies (turns that produced an answer) without a corrected reply;
- escalation rate = share of replies that hand the customer over to a person;
- containment = share of sessions in which no reply escalated;
- abandonment = share of sessions whose last message is the customer's (unanswered or failed);
- no answer / ungrounded = share of replies that needed knowledge and were not backed by it;
- brand-voice violations = forbidden phrases and topics found, per 100 replies;
- error rate = share of turns that failed or broke off.
"""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np
import pandas as pd
from pydantic import BaseModel


class Unit(StrEnum):
    COUNT = "count"
    RATIO = "ratio"  # turns per session
    MS = "ms"
    USD = "usd"
    SHARE = "share"  # 0..1, shown as %
    PER_100 = "per_100"


class Kpi(BaseModel):
    """One headline number with the same number for the previous period."""

    key: str
    label: str
    unit: Unit
    value: float | None
    previous: float | None
    higher_is_better: bool | None = None  # None: neither (volume)
    detail: str = ""
    help: str = ""

    @property
    def change(self) -> float | None:
        """Change vs the previous period: relative for amounts, percentage points for shares."""
        if self.value is None or self.previous is None:
            return None
        if self.unit is Unit.SHARE:
            return (self.value - self.previous) * 100
        if self.previous == 0:
            return None
        return (self.value - self.previous) / abs(self.previous) * 100

    def formatted(self, value: float | None = None) -> str:
        """The value (or `value`) the way a person reads it."""
        v = self.value if value is None else value
        if v is None:
            return "–"
        if self.unit is Unit.SHARE:
            return f"{v * 100:.1f} %"
        if self.unit is Unit.MS:
            return f"{v:,.0f} ms"
        if self.unit is Unit.USD:
            return f"${v:,.4f}" if v < 1 else f"${v:,.2f}"
        if self.unit in (Unit.RATIO, Unit.PER_100):
            return f"{v:,.2f}"
        if v >= 1_000_000:
            return f"{v / 1_000_000:,.2f} M"
        if v >= 100_000:
            return f"{v / 1_000:,.0f} k"
        return f"{v:,.0f}"

    def change_text(self) -> str | None:
        """'+3.1 %' / '-2.0 pp' vs the previous period, or None when there is nothing to compare."""
        change = self.change
        if change is None:
            return None
        return f"{change:+.1f} {'pp' if self.unit is Unit.SHARE else '%'}"


def _div(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def percentile(histogram: pd.DataFrame, q: float) -> float | None:
    """Nearest-rank percentile of a (ms, n) histogram: the lower edge of the bin holding it
    (rows may repeat a bin: one per version, say)."""
    if histogram.empty:
        return None
    ms, n = histogram["ms"].to_numpy(), histogram["n"].to_numpy()
    order = np.argsort(ms, kind="stable")
    cumulative = np.cumsum(n[order])
    total = int(cumulative[-1])
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    return float(ms[order][np.searchsorted(cumulative, rank)])


def _sums(frame: pd.DataFrame) -> dict[str, float]:
    """Column totals of a frame (0 for an empty one: `get` with a default)."""
    if frame.empty:
        return {}
    return {str(k): float(v) for k, v in frame.sum(numeric_only=True).items()}


def values(frames: dict[str, pd.DataFrame]) -> dict[str, tuple[float | None, str]]:
    """Every KPI's value (and a detail line) from frames already cut to one period."""
    latencies = frames["latencies"]
    metric = latencies["metric"] if not latencies.empty else None
    return values_from(
        {name: _sums(frames[name]) for name in ("turns", "sessions", "feedback")},
        latency=latencies[metric == "latency"] if metric is not None else latencies,
        ttft=latencies[metric == "ttft"] if metric is not None else latencies,
    )


def values_from(
    sums: dict[str, dict[str, float]], *, latency: pd.DataFrame, ttft: pd.DataFrame
) -> dict[str, tuple[float | None, str]]:
    """Every KPI from the column totals of the turns, sessions and feedback frames and the
    latency and first-token histograms."""
    t, ss, fb = sums["turns"], sums["sessions"], sums["feedback"]
    n_turns, replies = t.get("turns", 0.0), t.get("replies", 0.0)
    n_sessions = ss.get("sessions", 0.0)
    up, down, edited = fb.get("up", 0.0), fb.get("down", 0.0), fb.get("edited", 0.0)
    tokens = t.get("prompt_tokens", 0.0) + t.get("completion_tokens", 0.0)
    return {
        "sessions": (n_sessions, ""),
        "messages": (n_turns + replies, f"{n_turns:,.0f} from customers"),
        "turns_per_session": (_div(ss.get("session_turns", 0.0), n_sessions), ""),
        "latency_p50": (percentile(latency, 0.50), ""),
        "latency_p95": (percentile(latency, 0.95), ""),
        "ttft_p50": (percentile(ttft, 0.50), ""),
        "ttft_p95": (percentile(ttft, 0.95), ""),
        "tokens": (tokens, f"{t.get('completion_tokens', 0.0):,.0f} in replies"),
        "cost": (t.get("cost_usd", 0.0), "estimated"),
        "satisfaction": (_div(up, up + down), f"{up + down:,.0f} rated replies"),
        "accuracy": (
            None if replies == 0 else 1 - edited / replies,
            f"{edited:,.0f} of {replies:,.0f} replies edited",
        ),
        "escalation": (_div(t.get("escalated", 0.0), replies), ""),
        "containment": (
            None if n_sessions == 0 else 1 - ss.get("escalated_sessions", 0.0) / n_sessions,
            "",
        ),
        "abandonment": (_div(ss.get("abandoned", 0.0), n_sessions), ""),
        "ungrounded": (
            _div(t.get("ungrounded", 0.0), t.get("grounding_known", 0.0)),
            f"of {t.get('grounding_known', 0.0):,.0f} replies that needed knowledge",
        ),
        "brand_violations": (
            None if replies == 0 else t.get("violations", 0.0) * 100 / replies,
            "",
        ),
        "error_rate": (_div(t.get("errors", 0.0), n_turns), ""),
    }


SPECS: list[tuple[str, str, Unit, bool | None, str]] = [
    ("sessions", "Sessions", Unit.COUNT, None, "Conversations started in the period."),
    ("messages", "Messages", Unit.COUNT, None, "Customer messages plus assistant replies."),
    ("turns_per_session", "Turns per session", Unit.RATIO, None, "Customer messages per session."),
    (
        "latency_p50",
        "Latency p50",
        Unit.MS,
        False,
        "Half of the replies were complete by then (within 10 ms, or 6.25 % above 320 ms).",
    ),
    (
        "latency_p95",
        "Latency p95",
        Unit.MS,
        False,
        "95 % of the replies were complete by then (within 10 ms, or 6.25 % above 320 ms).",
    ),
    ("ttft_p50", "First token p50", Unit.MS, False, "Time until the reply started to appear."),
    ("ttft_p95", "First token p95", Unit.MS, False, "Time until the reply started, slowest 5 %."),
    ("tokens", "Tokens", Unit.COUNT, None, "Prompt and reply tokens."),
    ("cost", "Cost", Unit.USD, False, "Estimated from the prices in Settings."),
    ("satisfaction", "Satisfaction", Unit.SHARE, True, "👍 / (👍 + 👎); unrated replies left out."),
    ("accuracy", "Accuracy", Unit.SHARE, True, "Share of replies nobody had to correct."),
    ("escalation", "Escalation rate", Unit.SHARE, False, "Replies that hand over to a person."),
    ("containment", "Containment", Unit.SHARE, True, "Sessions that ended without a handover."),
    (
        "abandonment",
        "Abandonment",
        Unit.SHARE,
        False,
        "Sessions whose last message is the customer's: unanswered or failed.",
    ),
    (
        "ungrounded",
        "No answer",
        Unit.SHARE,
        False,
        "No answer / ungrounded: replies that needed the knowledge base and were not backed by it.",
    ),
    (
        "brand_violations",
        "Voice issues /100",
        Unit.PER_100,
        False,
        "Brand-voice violations: forbidden phrases or topics per 100 replies.",
    ),
    ("error_rate", "Error rate", Unit.SHARE, False, "Turns that failed or broke off."),
]


def period(frames: dict[str, pd.DataFrame], current: bool) -> dict[str, pd.DataFrame]:
    """The frames cut to the selected (`current`) or the previous period."""
    flag = 1 if current else 0
    return {
        name: frame[frame["current"] == flag] if "current" in frame.columns else frame
        for name, frame in frames.items()
    }


def compute_kpis(frames: dict[str, pd.DataFrame]) -> list[Kpi]:
    """Every KPI of frames holding both periods (the `current` column tells them apart)."""
    now, before = values(period(frames, True)), values(period(frames, False))
    return [
        Kpi(
            key=key,
            label=label,
            unit=unit,
            value=now[key][0],
            previous=before[key][0],
            higher_is_better=better,
            detail=now[key][1],
            help=help_text,
        )
        for key, label, unit, better, help_text in SPECS
    ]
