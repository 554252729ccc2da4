"""What a derived family is, and the helpers several families share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

# restates_original lives in billing.py (the claim scope reads it too); families import it from here.
from scrubber.billing import restates_original as restates_original
from scrubber.billing import service_identity
from scrubber.engine.context import RunContext
from scrubber.frames import HASH_SEED

# The scope columns that make up a line's service identity (history.service_identity).
SERVICE = frozenset(name for e in service_identity() for name in e.meta.root_names())


@dataclass(frozen=True)
class Family:
    """One namespace of derived columns: what it needs, reads and adds, and the function adding them.

    `reads` is every scope column `add` may read, in any of its scopes, so a scope is built with
    only those (tests/test_families.py checks it is exactly enough); `columns` says what each
    added column means, for `scrubber fields` and the README.
    """

    namespace: str
    requires: str | None  # the batch table (or optional column) without which a rule reading it is not checked
    scopes: tuple[str, ...]
    columns: dict[str, str]  # column -> what it means
    reads: frozenset[str]
    # add(scope frame, run, scope name, wanted): the frame with the family's columns beside it. `wanted` names those
    # some rule reads: Polars leaves out an unread column's work, but not a join that only unread columns need.
    add: Callable[[pl.LazyFrame, RunContext, str, frozenset[str]], pl.LazyFrame]


def shares_key(keys: list[pl.Expr] | list[str]) -> pl.Expr:
    """Whether another row may have the same keys: their hash is not the row's alone.

    Most rows' keys are their own (a service billed once, a code once a day, one visit a day), and
    a window over one hash is far cheaper than one over the keys: only the rows that may share
    them are grouped on the keys themselves. A collision puts a few rows there, never a wrong group.
    (The loader's checks.repeated_keys answers the same for a whole eager table by sorted hashes.)
    """
    return pl.len().over(pl.struct(keys).hash(seed=HASH_SEED)) > 1


RESTATES_READS = frozenset({"claim.frequency_code", "payer.accepts_replacement_claims"})


def earlier_runs(ctx: RunContext) -> pl.LazyFrame | None:
    """The services earlier runs billed, without the claims in tonight's batch again.

    A claim that keeps its id is being resent, not billed a second time: its earlier lines are
    tonight's lines, so they are neither counted twice nor taken for another claim.
    """
    if ctx.history is None:
        return None
    resent = ctx.batch.claims.lazy().select("claim_id").unique()
    return ctx.history.join(resent, on="claim_id", how="anti")
