"""A leaderboard over every variant of an assistant that took blind votes: Bradley–Terry strengths
fitted by `choix` from the stored votes, on an Elo-like scale, with bootstrap 95% intervals.

A decisive vote counts as one win; a tie or "both bad" as half a win for each side (the usual
Bradley–Terry treatment of ties). A weak prior (`ALPHA`) keeps a variant that never lost finite.
Nothing is stored: the board is recomputed from the votes every time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import choix
import numpy as np
from pydantic import BaseModel

from studio.core.models import VoteChoice

from .votes import VariantIdentity, VoteRecord

MIN_LEADERBOARD_VOTES = 10
ALPHA = 0.1  # L2 regularisation of the log-strengths
RESAMPLES = 200
BASE_RATING = 1000.0
SCALE = 400 / math.log(10)  # log-strength 1.0 → 173.7 rating points, as in Elo


class Rating(BaseModel):
    """One variant on the board."""

    config_hash: str
    label: str
    version_number: int | None
    rating: float
    low: float
    high: float
    votes: int
    wins: int
    losses: int
    ties: int


class Leaderboard(BaseModel):
    ratings: list[Rating]  # best first
    votes: int  # votes used (votes of a variant against itself carry no information)
    enough: bool

    def note(self) -> str:
        """One sentence on how far to trust the board."""
        if not self.enough:
            return (
                f"Not enough data yet (n = {self.votes} votes between different variants, at "
                f"least {MIN_LEADERBOARD_VOTES} needed)."
            )
        return (
            f"Bradley–Terry ratings from {self.votes} votes; 95% intervals from {RESAMPLES} "
            "bootstrap resamples. Overlapping intervals mean the order may be chance."
        )


def _pairs(votes: Sequence[VoteRecord], index: dict[str, int]) -> list[tuple[int, int]]:
    data: list[tuple[int, int]] = []
    for v in votes:
        a, b = index[v.a.config_hash], index[v.b.config_hash]
        if v.choice is VoteChoice.A:
            data += [(a, b), (a, b)]
        elif v.choice is VoteChoice.B:
            data += [(b, a), (b, a)]
        else:  # tie or both bad: half a win each (every decisive vote is counted twice)
            data += [(a, b), (b, a)]
    return data


def _fit(n_items: int, data: list[tuple[int, int]]) -> np.ndarray:
    params = choix.ilsr_pairwise(n_items, data, alpha=ALPHA)
    return np.asarray(params - params.mean(), dtype=float)


def leaderboard(votes: Sequence[VoteRecord], *, seed: int = 0) -> Leaderboard:
    """The Bradley–Terry board over the variants in `votes` (self-comparisons left out)."""
    useful = [v for v in votes if v.a.config_hash != v.b.config_hash]
    identities: dict[str, VariantIdentity] = {}
    for v in useful:  # the newest label wins (votes come oldest first)
        identities[v.a.config_hash], identities[v.b.config_hash] = v.a, v.b
    hashes = sorted(identities)
    if len(hashes) < 2:
        return Leaderboard(ratings=[], votes=len(useful), enough=False)
    index = {h: i for i, h in enumerate(hashes)}
    point = _fit(len(hashes), _pairs(useful, index))
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(RESAMPLES):
        drawn = [useful[i] for i in rng.integers(0, len(useful), len(useful))]
        try:
            samples.append(_fit(len(hashes), _pairs(drawn, index)))
        except RuntimeError:  # choix did not converge on this resample: leave it out
            continue
    spread = np.percentile(np.array(samples), [2.5, 97.5], axis=0) if samples else None
    counts = {h: [0, 0, 0, 0] for h in hashes}  # votes, wins, losses, ties
    for v in useful:
        for mine, win in ((v.a, VoteChoice.A), (v.b, VoteChoice.B)):
            row = counts[mine.config_hash]
            row[0] += 1
            if v.choice is win:
                row[1] += 1
            elif v.choice in (VoteChoice.A, VoteChoice.B):
                row[2] += 1
            else:
                row[3] += 1
    ratings = [
        Rating(
            config_hash=h,
            label=identities[h].label,
            version_number=identities[h].version_number,
            rating=BASE_RATING + SCALE * float(point[i]),
            low=BASE_RATING + SCALE * float(spread[0][i] if spread is not None else point[i]),
            high=BASE_RATING + SCALE * float(spread[1][i] if spread is not None else point[i]),
            votes=counts[h][0],
            wins=counts[h][1],
            losses=counts[h][2],
            ties=counts[h][3],
        )
        for i, h in enumerate(hashes)
    ]
    ratings.sort(key=lambda r: r.rating, reverse=True)
    return Leaderboard(
        ratings=ratings, votes=len(useful), enough=len(useful) >= MIN_LEADERBOARD_VOTES
    )
