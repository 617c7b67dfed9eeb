"""One dashboard: every aggregate frame labelled by version ("split"), the KPIs with their
previous period, the KPIs per version, cited documents and knowledge gaps."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd
from sqlmodel import Session

from studio.analytics import aggregates, rollups
from studio.analytics.filters import DRAFT, Filters, assistant_names
from studio.analytics.gaps import KnowledgeGaps, knowledge_gaps
from studio.analytics.kpis import SPECS, Kpi, compute_kpis, period, values_from

ALL = "All"


@dataclass(frozen=True)
class Dashboard:
    """Small frames and numbers, ready for charts.py and the page; nothing tied to a session."""

    filters: Filters
    kpis: list[Kpi]
    frames: dict[str, pd.DataFrame]  # each with a "split" column (version label, or "All")
    splits: list[str]
    documents: pd.DataFrame  # document_id, document, assistant_id: the selected assistants' docs
    gaps: KnowledgeGaps

    @cached_property
    def now(self) -> dict[str, pd.DataFrame]:
        """The frames cut to the selected period (what most charts draw)."""
        return period(self.frames, True)

    @property
    def empty(self) -> bool:
        """True when the selected period holds no turn and no session."""
        return self.now["turns"].empty and self.now["sessions"].empty

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)

    def kpis_by_split(self) -> pd.DataFrame:
        """Rows: KPIs; columns: versions; cells formatted for reading (the selected period)."""
        # One groupby per frame, not one filter per version and frame.
        now = self.now
        sums = {
            name: now[name].groupby("split").sum(numeric_only=True).to_dict("index")
            if not now[name].empty
            else {}
            for name in ("turns", "sessions", "feedback")
        }
        latencies = now["latencies"]
        histograms = (
            dict(tuple(latencies.groupby(["split", "metric"]))) if not latencies.empty else {}
        )
        nothing = latencies.iloc[0:0]
        table: dict[str, list[str]] = {}
        for split in self.splits:
            numbers = values_from(
                {name: sums[name].get(split, {}) for name in sums},
                latency=histograms.get((split, "latency"), nothing),
                ttft=histograms.get((split, "ttft"), nothing),
            )
            table[split] = [
                kpi.formatted(numbers[kpi.key][0]) if numbers[kpi.key][0] is not None else "–"
                for kpi in self.kpis
            ]
        return pd.DataFrame(table, index=[label for _, label, *_ in SPECS])


def version_label(version: int) -> str:
    return "draft" if version == DRAFT else f"v{version}"


def short_name(name: str) -> str:
    """An assistant's name short enough for a legend ("Northwind Outfitters — Support (demo)"
    becomes "Northwind Outfitters")."""
    head = name.split(" — ")[0].removesuffix(" (demo)").strip() or name
    return head if len(head) <= 24 else head[:23] + "…"


def label_splits(
    frames: dict[str, pd.DataFrame], *, names: dict[int, str], by_version: bool
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Add the "split" column: the version (with the assistant's name when several)."""
    assistants: set[int] = set()
    for frame in frames.values():
        if "assistant_id" in frame.columns:
            assistants |= set(frame["assistant_id"].astype(int))
    several = len(assistants) > 1
    seen: dict[tuple[int, int], str] = {}

    def label(assistant_id: int, version: int) -> str:
        key = (assistant_id, version)
        if key not in seen:
            text = version_label(version)
            seen[key] = (
                f"{short_name(names.get(assistant_id, f'#{assistant_id}'))} · {text}"
                if (several)
                else text
            )
        return seen[key]

    out: dict[str, pd.DataFrame] = {}
    for name, frame in frames.items():
        frame = frame.copy()
        if not by_version:
            frame["split"] = ALL
        elif frame.empty:
            frame["split"] = pd.Series(dtype=str)
        else:
            frame["split"] = [
                label(int(a), int(v))
                for a, v in zip(frame["assistant_id"], frame["version"], strict=True)
            ]
        out[name] = frame
    splits = [ALL] if not by_version else [seen[k] for k in sorted(seen)]
    return out, splits


def build_dashboard(*, session: Session, filters: Filters, refresh: bool = True) -> Dashboard:
    """Every number and frame of the Analytics page for `filters`, from the rollups (brought up
    to date first in `session` unless `refresh` is False: the caller just did it in a unit of
    work of its own, see `rollups.refresh_now`). Raises InvalidInput if the filters are
    inconsistent."""
    filters = filters.check()
    if refresh:
        rollups.refresh(session=session)
    names = assistant_names(session=session)
    raw = aggregates.frames(session=session, filters=filters)
    frames, splits = label_splits(raw, names=names, by_version=filters.split_by_version)
    return Dashboard(
        filters=filters,
        kpis=compute_kpis(frames),
        frames=frames,
        splits=splits,
        documents=aggregates.document_names(
            session=session, assistant_ids=list(filters.assistant_ids)
        ),
        gaps=knowledge_gaps(session=session, filters=filters),
    )
