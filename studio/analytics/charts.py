"""Plotly figures of a dashboard, built from its small frames (never from turns). Each chart is
split by version (one colour per version, the same colour on every chart), has a title with its
unit, and leaves colours of text and background to the theme (light or dark)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from studio.analytics.dashboard import Dashboard
from studio.analytics.filters import FINE_MS, bin_width

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
HEIGHT = 340
LABELS = {"intent": "Intent", "emotion": "Emotion", "urgency": "Urgency", "tool_name": "Tool"}


def colours(d: Dashboard) -> dict[str, str]:
    """One colour per split, stable across charts."""
    palette = qualitative.Plotly
    return {split: palette[i % len(palette)] for i, split in enumerate(d.splits)}


def _figure(traces: list[dict[str, Any]], title: str, x: str, y: str, **layout: Any) -> go.Figure:
    """One figure built in one go from plain dicts. Not validated here: st.plotly_chart
    validates every figure when it draws it (a bad property still fails the page), and
    validating twice was most of the page's time."""
    # The legend goes under the plot so a long list of versions never covers the title.
    entries = sum(1 for t in traces if t.get("showlegend") is not False and t.get("name"))
    rows = 0 if entries <= 1 else -(-entries // 3)
    xaxis, yaxis = layout.pop("xaxis", {}), layout.pop("yaxis", {})
    return go.Figure(
        {
            "data": traces,
            "layout": {
                "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
                "height": HEIGHT + 20 * rows,
                "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
                "showlegend": entries > 1,
                "legend": {
                    "orientation": "h",
                    "yanchor": "top",
                    "y": -0.3,
                    "x": 0,
                    "font": {"size": 11},
                },
                "xaxis": {"title": {"text": x}, **xaxis},
                "yaxis": {"title": {"text": y}, **yaxis},
                **layout,
            },
        },
        _validate=False,
    )


def _empty(title: str) -> go.Figure:
    note = {"text": "No data for these filters", "showarrow": False, "x": 0.5, "y": 0.5,
            "xref": "paper", "yref": "paper"}  # fmt: skip
    return _figure(
        [], title, "", "", annotations=[note], xaxis={"visible": False}, yaxis={"visible": False}
    )


def _hourly(d: Dashboard) -> bool:
    return d.filters.hourly


def _buckets(frame: pd.DataFrame, d: Dashboard) -> pd.Series:
    # The turns frame holds days, and hours too when the charts draw hours.
    text = frame["hour"] + ":00" if _hourly(d) and "hour" in frame.columns else frame["day"]
    return pd.to_datetime(text)


def volume_figure(d: Dashboard) -> go.Figure:
    """Customer messages per day (per hour for short ranges), one line per version."""
    title = f"Volume: customer messages per {'hour' if _hourly(d) else 'day'}"
    turns = d.now["turns"]
    if turns.empty:
        return _empty(title)
    data = turns.assign(at=_buckets(turns, d)).groupby(["split", "at"])["turns"].sum().reset_index()
    traces = [
        {
            "type": "scatter",
            "x": part["at"].tolist(),
            "y": part["turns"].tolist(),
            "name": str(split),
            "mode": "lines+markers",
            "line": {"color": colours(d).get(str(split))},
        }
        for split, part in data.groupby("split", sort=False)
    ]
    return _figure(traces, title, "Date (UTC)", "Messages")


def chart_bin_width(cap: float, bars: int = 40) -> int:
    """A bar width of about cap / `bars` that is a whole number of the stored bins up to `cap`:
    10 ms × a power of two, at least the width of the stored bin at `cap` (their edges line up,
    so no bar gets part of a bin)."""
    width = FINE_MS
    while width * bars < cap:
        width *= 2
    return max(width, bin_width(cap))


def latency_figure(d: Dashboard, metric: str = "latency") -> go.Figure:
    """Distribution of reply latency (or time to first token), per version; bars are a power of
    two times 10 ms wide (about 40 up to the 99th percentile)."""
    name = "Reply latency" if metric == "latency" else "Time to first token"
    frame = d.now["latencies"]
    frame = frame[frame["metric"] == metric] if not frame.empty else frame
    if frame.empty:
        return _empty(f"{name} (ms)")
    cap = float(
        frame.sort_values("ms")
        .assign(c=lambda f: f["n"].cumsum())
        .pipe(lambda f: f[f["c"] >= 0.99 * f["n"].sum()]["ms"].iloc[0])
    )
    width = float(chart_bin_width(cap))
    binned = frame.assign(bin=(frame["ms"].clip(upper=cap) // width) * width)
    data = binned.groupby(["split", "bin"])["n"].sum().reset_index()
    traces = [
        {
            "type": "bar",
            "x": (part["bin"] + width / 2).tolist(),
            "y": part["n"].tolist(),
            "width": width,
            "name": str(split),
            "marker": {"color": colours(d).get(str(split))},
            "opacity": 0.75,
        }
        for split, part in data.groupby("split", sort=False)
    ]
    return _figure(
        traces,
        f"{name}: replies per {width:.0f} ms (slowest 1 % in the last bar)",
        f"{name} (ms)",
        "Replies",
        barmode="overlay",
    )


def cost_figure(d: Dashboard) -> go.Figure:
    """Estimated cost per day, stacked by model; by version when split (models: cost_by_model)."""
    by_version = len(d.splits) > 1
    title = f"Estimated cost (USD) per {'hour' if _hourly(d) else 'day'} by " + (
        "version" if by_version else "model"
    )
    turns = d.now["turns"]
    if turns.empty:
        return _empty(title)
    key = "split" if by_version else "model"
    data = turns.assign(at=_buckets(turns, d)).groupby([key, "at"])["cost_usd"].sum().reset_index()
    traces = [
        {
            "type": "bar",
            "x": part["at"].tolist(),
            "y": part["cost_usd"].tolist(),
            "name": str(name),
            "marker": {"color": colours(d).get(str(name)) if by_version else None},
        }
        for name, part in data.groupby(key, sort=False)
    ]
    return _figure(traces, title, "Date (UTC)", "USD", barmode="stack")


def cost_by_model(d: Dashboard) -> pd.DataFrame:
    """Estimated cost (USD) of the period per model (rows) and version (columns)."""
    turns = d.now["turns"]
    if turns.empty:
        return pd.DataFrame()
    return turns.pivot_table(
        index="model", columns="split", values="cost_usd", aggfunc="sum", fill_value=0.0
    ).round(4)


def quality_figure(d: Dashboard) -> go.Figure:
    """Satisfaction and accuracy per day, per version (share, %)."""
    now = d.now
    feedback, turns = now["feedback"], now["turns"]
    if turns.empty:
        return _empty("Satisfaction and accuracy (%)")
    replies = turns.groupby(["split", "day"])["replies"].sum()
    rated = (
        feedback.groupby(["split", "day"])[["up", "down", "edited"]].sum()
        if not feedback.empty
        else pd.DataFrame(columns=["up", "down", "edited"])
    )
    data = pd.concat([replies, rated], axis=1).fillna(0).reset_index()
    data["satisfaction"] = (data["up"] / (data["up"] + data["down"]).where(lambda s: s > 0)) * 100
    data["accuracy"] = (1 - data["edited"] / data["replies"].where(lambda s: s > 0)) * 100
    data["at"] = pd.to_datetime(data["day"])
    traces: list[dict[str, Any]] = []
    for split, part in data.groupby("split", sort=False):
        colour, at = colours(d).get(str(split)), part["at"].tolist()
        traces.append({
            "type": "scatter", "x": at, "y": part["satisfaction"].tolist(), "name": str(split),
            "legendgroup": str(split), "mode": "lines+markers", "line": {"color": colour},
            "hovertemplate": "%{x|%d %b}: satisfaction %{y:.0f} %",
        })  # fmt: skip
        traces.append({
            "type": "scatter", "x": at, "y": part["accuracy"].tolist(),
            "name": f"{split} accuracy", "legendgroup": str(split), "showlegend": False,
            "mode": "lines", "line": {"color": colour, "dash": "dot"},
            "hovertemplate": "%{x|%d %b}: accuracy %{y:.0f} %",
        })  # fmt: skip
    title = "Satisfaction (solid: thumbs-up share) and accuracy (dotted: not edited)"
    return _figure(traces, title, "Date (UTC)", "% per day", yaxis={"range": [0, 105]})


def breakdown_frame(d: Dashboard, column: str) -> pd.DataFrame:
    """Customer messages per value of `column` (intent, emotion, urgency, tool_name) per split."""
    tags = d.now["tags"]
    if tags.empty:
        return pd.DataFrame(columns=["split", column, "n"])
    tags = (
        tags[tags[column].notna()] if column == "tool_name" else tags.fillna({column: "untagged"})
    )
    return tags.groupby(["split", column])["n"].sum().reset_index()


def _bars(
    data: pd.DataFrame, column: str, order: list[Any], d: Dashboard, names: list[str] | None = None
) -> list[dict[str, Any]]:
    """Horizontal bars of `n` per `column` value (in `order`), one trace per split; the bars are
    labelled `names` (by default the values, "_" read as a space)."""
    table = data.pivot_table(index=column, columns="split", values="n", aggfunc="sum")
    table = table.reindex(order).fillna(0)
    names = names or [str(value).replace("_", " ") for value in order]
    return [
        {
            "type": "bar",
            "y": names,
            "x": table[split].tolist(),
            "name": str(split),
            "orientation": "h",
            "marker": {"color": colours(d).get(str(split))},
        }
        for split in data["split"].unique()
    ]


def breakdown_figure(d: Dashboard, column: str) -> go.Figure:
    """Horizontal bars: how many messages had each intent / emotion / urgency, or used each tool."""
    label = LABELS[column]
    title = (
        "Tool usage: turns that called each tool"
        if column == "tool_name"
        else (f"{label}: customer messages")
    )
    data = breakdown_frame(d, column)
    if data.empty:
        return _empty(title)
    order = data.groupby(column)["n"].sum().sort_values().index.tolist()
    x = "Turns" if column == "tool_name" else "Messages"
    return _figure(_bars(data, column, order, d), title, x, "", barmode="group")


def cited_frame(d: Dashboard) -> pd.DataFrame:
    """Turns each document answered (its passage scored best), per split, most cited first."""
    cited = d.now["documents"]
    if cited.empty:
        return pd.DataFrame(columns=["split", "document", "n"])
    names = d.documents.set_index("document_id")["document"] if not d.documents.empty else {}
    cited = cited.assign(
        document=[names.get(int(i), f"deleted document #{int(i)}") for i in cited["document_id"]]
    )
    return (
        cited.groupby(["split", "document"])["n"]
        .sum()
        .reset_index()
        .sort_values("n", ascending=False)
    )


def documents_figure(d: Dashboard, top: int = 10) -> go.Figure:
    """The `top` most-cited documents (horizontal bars per version)."""
    data = cited_frame(d)
    title = f"Most-cited documents (top {top}): answers based on each"
    if data.empty:
        return _empty(title)
    order = data.groupby("document")["n"].sum().sort_values().tail(top).index.tolist()
    data = data[data["document"].isin(order)]
    traces = _bars(data, "document", order, d, names=[str(v) for v in order])
    return _figure(traces, title, "Answers", "", barmode="group")


def never_cited(d: Dashboard) -> pd.DataFrame:
    """Documents of the selected assistants that answered nothing in the period."""
    if d.documents.empty:
        return pd.DataFrame(columns=["document"])
    used = set(d.now["documents"].get("document_id", pd.Series(dtype=int)))
    unused = d.documents[~d.documents["document_id"].isin(used)]
    return unused[["document"]].sort_values("document").reset_index(drop=True)


def heatmap_frame(d: Dashboard, split: str | None = None) -> pd.DataFrame:
    """Customer messages per weekday (rows, Mon first) and hour of day (columns), UTC."""
    cells = d.frames["heatmap"]  # the selected period only
    if split is not None and not cells.empty:
        cells = cells[cells["split"] == split]
    grid = pd.DataFrame(0, index=WEEKDAYS, columns=list(range(24)), dtype=int)
    if cells.empty:
        return grid
    counts = cells.groupby(["weekday", "hour_of_day"])["turns"].sum()
    for (weekday, hour), n in counts.items():
        grid.iloc[int(weekday), int(hour)] = int(n)
    return grid


def heatmap_figure(d: Dashboard, split: str | None = None) -> go.Figure:
    """Hour × weekday heatmap of customer messages (UTC), for one split or all."""
    grid = heatmap_frame(d, split)
    heatmap = {
        "type": "heatmap",
        "z": grid.values.tolist(),
        "x": [f"{h:02d}" for h in grid.columns],
        "y": list(grid.index),
        "colorscale": "Blues",
        "colorbar": {"title": {"text": "Messages"}},
        "hovertemplate": "%{y} %{x}:00 — %{z} messages<extra></extra>",
    }
    suffix = f" — {split}" if split else ""
    return _figure(
        [heatmap],
        f"When customers write: messages by weekday and hour (UTC){suffix}",
        "Hour of day (UTC)",
        "",
        yaxis={"autorange": "reversed"},
    )


def gaps_frame(d: Dashboard, *, by: str = "intent") -> pd.DataFrame:
    """The knowledge-gap table (by "intent" or "similarity"): group, count, example question."""
    groups = d.gaps.by_intent if by == "intent" else d.gaps.by_similarity
    return pd.DataFrame(
        [
            {
                "Topic": g.label,
                "Intent": g.intent.replace("_", " "),
                "Questions": g.count,
                "Example": g.example,
            }
            for g in groups
        ],
        columns=["Topic", "Intent", "Questions", "Example"],
    )
