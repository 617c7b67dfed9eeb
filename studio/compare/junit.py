"""Suite runs as CSV (one row per case and variant) and as JUnit XML for CI systems."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from studio.compare.runs import RunDetail

CSV_COLUMNS = (
    "run_id",
    "variant",
    "case",
    "outcome",
    "reason",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
)


def _cell(text: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheets: quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def runs_csv(runs: Sequence[RunDetail]) -> str:
    """Every case of every run as CSV (spreadsheet-safe)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for run in runs:
        for o in run.results:
            writer.writerow(
                [
                    run.id,
                    _cell(run.variant_label),
                    _cell(o.case_name),
                    o.outcome,
                    _cell(o.reason),
                    round(o.latency_ms, 1),
                    o.prompt_tokens,
                    o.completion_tokens,
                    round(o.cost_usd, 6),
                ]
            )
    return out.getvalue()


def runs_junit(runs: Sequence[RunDetail], *, suite_name: str) -> str:
    """JUnit XML: one <testsuite> per variant, one <testcase> per case (not run → skipped)."""
    root = ET.Element("testsuites", name=suite_name)
    for run in runs:
        node = ET.SubElement(
            root,
            "testsuite",
            name=f"{suite_name} — {run.variant_label}",
            tests=str(run.total_cases),
            failures=str(run.failed),
            errors=str(run.errored),
            skipped=str(run.not_run),
            time=f"{sum(o.latency_ms for o in run.results) / 1000:.3f}",
            timestamp=run.started_at.isoformat(),
        )
        for o in run.results:
            case = ET.SubElement(
                node,
                "testcase",
                name=o.case_name,
                classname=run.variant_label,
                time=f"{o.latency_ms / 1000:.3f}",
            )
            if o.outcome == "failed":
                ET.SubElement(case, "failure", message=o.reason[:500]).text = o.reason
            elif o.outcome == "error":
                ET.SubElement(case, "error", message=o.reason[:500]).text = o.reason
            elif o.outcome == "not_run":
                ET.SubElement(case, "skipped", message=o.reason[:500])
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
