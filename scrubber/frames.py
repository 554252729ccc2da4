"""Small helpers over Polars frames that the loader, the engine, the findings and the report all use."""

from __future__ import annotations

from typing import TypeVar

import polars as pl

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)
HASH_SEED = 20260901  # one seed for every hash of keys, so a run's hashes (and its patient groups) are reproducible


def first_claim_rows(claims: Frame, named: Frame) -> Frame:
    """The row of each claim id in `named` (a frame with a claim_id column), the first where an id repeats.

    Only the named claims are de-duplicated: a big batch has millions of claims and a few with
    findings or issues. A repeated id is reported by the loader; its first row speaks for it.
    """
    return claims.join(named, on="claim_id", how="semi", maintain_order="left").unique("claim_id", keep="first")


def repeated_keys(frame: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """The key values held by more than one row.

    Each key is hashed and the sorted hashes compared with their neighbours; only the rows of
    a hash seen twice are counted on the key itself, so a collision costs work, never a wrong
    answer. That beats counting every key, and hashing once (figures in bench/README.md). (Inside a
    lazy plan the engine asks the same with engine.families.base.shares_key, a window over the hash: there
    the sorted hashes cannot be reused without evaluating the hash again, which is slower.)
    """
    hashes = frame.select(pl.struct(key).hash(seed=HASH_SEED)).to_series()
    ordered = hashes.sort()
    seen_twice = ordered.filter(ordered == ordered.shift()).unique()
    return frame.filter(hashes.is_in(seen_twice.implode())).group_by(key).len().filter(pl.col("len") > 1)
