"""Two variants on the same cases: a paired comparison (exact McNemar) of their pass rates.

Only the discordant pairs (passed on one side, not the other) carry information; under "no
difference" each is equally likely to favour either side, so the exact McNemar test is a two-sided
binomial test on them (scipy). The interval of the pass-rate difference is the exact
(Clopper–Pearson) interval of the discordant split, scaled by the share of discordant pairs.
"""

from __future__ import annotations

from pydantic import BaseModel
from scipy.stats import binomtest

from studio.compare.runs import RunDetail

MIN_PAIRS = 10


class PairedComparison(BaseModel):
    """B against A on the cases both ran."""

    n: int  # pairs where both sides ran
    both_pass: int
    only_a: int  # passed on A, not on B (a regression when B is the candidate)
    only_b: int
    both_fail: int
    pass_rate_a: float | None
    pass_rate_b: float | None
    difference: float | None  # B − A, in percentage points
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    enough_data: bool
    message: str


def _passed(outcome: str) -> bool:
    return outcome == "passed"


def compare_runs(a: RunDetail, b: RunDetail, *, min_pairs: int = MIN_PAIRS) -> PairedComparison:
    """Paired comparison of run `b` against run `a`, case by case (matched by case name)."""
    ran_a = {o.case_name: o.outcome for o in a.results if o.outcome != "not_run"}
    ran_b = {o.case_name: o.outcome for o in b.results if o.outcome != "not_run"}
    names = [name for name in ran_a if name in ran_b]
    cells = {"both": 0, "a": 0, "b": 0, "none": 0}
    for name in names:
        pa, pb = _passed(ran_a[name]), _passed(ran_b[name])
        cells["both" if pa and pb else "a" if pa else "b" if pb else "none"] += 1
    n = len(names)
    discordant = cells["a"] + cells["b"]
    rate_a = 100.0 * (cells["both"] + cells["a"]) / n if n else None
    rate_b = 100.0 * (cells["both"] + cells["b"]) / n if n else None
    result = PairedComparison(
        n=n,
        both_pass=cells["both"],
        only_a=cells["a"],
        only_b=cells["b"],
        both_fail=cells["none"],
        pass_rate_a=rate_a,
        pass_rate_b=rate_b,
        difference=(rate_b - rate_a) if rate_a is not None and rate_b is not None else None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        enough_data=n >= min_pairs,
        message="",
    )
    if n < min_pairs:
        result.message = f"Not enough data yet (n = {n}; at least {min_pairs} shared cases)."
        return result
    if discordant == 0:
        result.p_value, result.ci_low, result.ci_high = 1.0, 0.0, 0.0
        result.message = f"Both variants passed and failed exactly the same cases (n = {n})."
        return result
    test = binomtest(cells["b"], discordant, 0.5, alternative="two-sided")
    interval = test.proportion_ci(confidence_level=0.95, method="exact")
    share = discordant / n
    result.p_value = float(test.pvalue)
    result.ci_low = 100.0 * share * (2 * interval.low - 1)
    result.ci_high = 100.0 * share * (2 * interval.high - 1)
    verdict = "a real difference" if result.p_value < 0.05 else "no clear difference"
    result.message = (
        f"B − A = {result.difference:+.1f} points (95% interval {result.ci_low:+.1f} to "
        f"{result.ci_high:+.1f}); exact McNemar p = {result.p_value:.3f} on {discordant} "
        f"discordant of {n} cases: {verdict}."
    )
    return result
