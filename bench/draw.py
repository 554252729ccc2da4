"""Seeded random draws as Polars Series: the same seed gives the same batch, byte for byte.

Every call takes the next sub-seed of one stream, so adding a draw at the end of the
generator does not change the draws before it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

EPOCH = dt.date(1970, 1, 1)


class Draw:
    def __init__(self, seed: int):
        self._seed = seed
        self._calls = 0

    def _next_seed(self) -> int:
        self._calls += 1
        return self._seed * 100_003 + self._calls

    def ints(self, n: int, high: int) -> pl.Series:
        """n integers in [0, high)."""
        return pl.int_range(0, max(high, 1), eager=True).sample(n, with_replacement=True, seed=self._next_seed())

    def choice(self, n: int, values: list, weights: list[int] | None = None) -> pl.Series:
        """n values, each drawn with probability proportional to its (integer) weight."""
        pool = [v for v, w in zip(values, weights, strict=True) for _ in range(w)] if weights else list(values)
        return pl.Series(pool).sample(n, with_replacement=True, seed=self._next_seed())

    def chance(self, n: int, per_mille: int) -> pl.Series:
        return self.ints(n, 1000) < per_mille

    def dates(self, n: int, first: dt.date, last: dt.date) -> pl.Series:
        offset = (first - EPOCH).days
        return (self.ints(n, (last - first).days + 1) + offset).cast(pl.Int32).cast(pl.Date)
