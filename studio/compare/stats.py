"""Statistics over blind votes: win rate with a 95% Wilson interval and a two-sided sign test.

Ties and "both bad" are reported but not counted: the win rate and the test use decisive votes
only. Below `MIN_VOTES` decisive votes the result says so instead of claiming anything.
"""

from __future__ import annotations

from pydantic import BaseModel
from scipy.stats import binomtest
from statsmodels.stats.proportion import proportion_confint

MIN_VOTES = 10  # decisive votes before a win rate means anything
CONFIDENCE = 0.95
SIGNIFICANCE = 0.05


class WinRate(BaseModel):
    """How often the first variant beat the second, over decisive votes."""

    wins: int
    losses: int
    ties: int = 0
    both_bad: int = 0
    rate: float | None = None  # None when there is no decisive vote
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    enough: bool = False

    @property
    def n(self) -> int:
        """Decisive votes (ties and "both bad" left out)."""
        return self.wins + self.losses

    @property
    def significant(self) -> bool:
        """True when there is enough data and the sign test rejects "equally good" at 5%."""
        return self.enough and self.p_value is not None and self.p_value < SIGNIFICANCE

    def summary(self) -> str:
        """One honest sentence for people."""
        counted = f"ties {self.ties} and both bad {self.both_bad} not counted"
        if not self.enough or self.rate is None or self.low is None or self.high is None:
            return (
                f"Not enough data yet (n = {self.n} decisive votes, at least {MIN_VOTES} "
                f"needed; {counted})."
            )
        verdict = (
            "a real difference" if self.significant else "no clear difference (could be chance)"
        )
        return (
            f"A wins {self.rate:.0%} of {self.n} decisive votes (95% CI {self.low:.0%}–"
            f"{self.high:.0%}; sign test p = {self.p_value:.3f}: {verdict}; {counted})."
        )


def win_rate(*, wins: int, losses: int, ties: int = 0, both_bad: int = 0) -> WinRate:
    """Win rate of A over B with a Wilson interval and a two-sided exact binomial (sign) test.

    Raises ValueError if a count is negative.
    """
    if min(wins, losses, ties, both_bad) < 0:
        raise ValueError("vote counts cannot be negative")
    result = WinRate(wins=wins, losses=losses, ties=ties, both_bad=both_bad)
    n = wins + losses
    if n == 0:
        return result
    low, high = proportion_confint(wins, n, alpha=1 - CONFIDENCE, method="wilson")
    result.rate = wins / n
    result.low, result.high = float(low), float(high)
    result.p_value = float(binomtest(wins, n, 0.5, alternative="two-sided").pvalue)
    result.enough = n >= MIN_VOTES
    return result
