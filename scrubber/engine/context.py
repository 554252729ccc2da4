"""What every scope and operator needs to know about the run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from scrubber.batch import Batch
from scrubber.batch.load import empty_batch
from scrubber.rulebook.book import Rulebook
from scrubber.rulebook.profiles import Profiles
from scrubber.rulebook.reference import ReferenceLibrary


@dataclass
class RunContext:
    batch: Batch
    profiles: Profiles
    references: ReferenceLibrary
    as_of: dt.date
    history: pl.LazyFrame | None = None  # services billed in earlier runs under reports/
    # The claim scope once built for a pass of the rules: the line, diagnosis and modifier
    # scopes start from it instead of each rebuilding it (see run.materialise_scopes).
    claim_rows: pl.DataFrame | None = None

    @classmethod
    def of(
        cls,
        rulebook: Rulebook,
        batch: Batch | None = None,
        as_of: dt.date | None = None,
        history: pl.LazyFrame | None = None,
    ) -> RunContext:
        """The rulebook over a batch; with none, over an empty one (what a rule can read: fields, explain, validate)."""
        batch = empty_batch() if batch is None else batch
        return cls(batch, rulebook.profiles, rulebook.references, as_of or dt.date.today(), history)

    def has(self, source: str) -> bool:
        """Whether the data a rule needs is there: a batch table, or the run history."""
        if source == "history":
            return self.history is not None
        return self.batch.has(source)
