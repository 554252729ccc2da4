"""A large night runs in groups of patients; the findings must be exactly those of one run."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from scrubber.batch import load_batch
from scrubber.engine.context import RunContext
from scrubber.engine.partition import part_count, split
from scrubber.engine.run import run_rules
from tests.conftest import DEMO, DEMO_AS_OF


def in_claim_order(batch):
    """The batch as exported files usually come: lines claim by claim, in the claims' order, every claim with lines
    and every line with its claim (the demo has one of each kind of exception)."""
    claims = batch.claims.join(batch.claim_lines, on="claim_id", how="semi").sort("claim_id")
    lines = batch.claim_lines.join(claims, on="claim_id", how="semi").sort("claim_id", "line_number")
    return replace(batch, claims=claims, claim_lines=lines)


@pytest.mark.parametrize("order", ["as given", "claim by claim"])
def test_every_claim_line_patient_and_visit_lands_in_exactly_one_part(order):
    # Lines claim by claim take their claims' parts from the runs of claim ids; in any other order, from a join.
    batch = load_batch(DEMO) if order == "as given" else in_claim_order(load_batch(DEMO))
    parts = list(split(batch, 4))
    assert sum(p.claims.height for p in parts) == batch.claims.height
    assert sum(p.patients.height for p in parts) == batch.patients.height
    assert sum(p.encounters.height for p in parts) == batch.encounters.height
    orphans = batch.claim_lines.join(batch.claims.select("claim_id"), on="claim_id", how="anti").height
    assert sum(p.claim_lines.height for p in parts) == batch.claim_lines.height - orphans  # orphans are load issues
    for part in parts:  # a patient's claims never straddle two parts
        assert set(part.claim_lines["claim_id"]) <= set(part.claims["claim_id"])
    assert (orphans > 0) == (order == "as given")  # the demo's own order has lines of unknown claims


@pytest.mark.parametrize(("parts", "order"), [(2, "as given"), (5, "as given"), (3, "claim by claim")])
def test_findings_in_groups_of_patients_equal_one_run_over_the_batch(parts, order, rules, profiles, references):
    batch = load_batch(DEMO) if order == "as given" else in_claim_order(load_batch(DEMO))
    ctx = RunContext(batch, profiles, references, DEMO_AS_OF)
    whole = run_rules(rules, ctx, parts=1).findings
    grouped = run_rules(rules, ctx, parts=parts).findings
    assert whole.height > 50
    assert grouped.equals(whole)


@pytest.mark.parametrize(
    ("lines", "groups"),
    [(200, 1), (1_000_000, 1), (1_000_001, 2), (4_000_000, 5), (7_000_000, 12), (10_000_000, 40), (20_000_000, 80)],
)
def test_a_batch_runs_in_as_few_groups_as_the_memory_left_beside_it_allows(lines, groups):
    # Each group costs time of its own, so a batch just over one group runs in two halves; a larger batch holds more
    # memory itself and leaves less for a group (partition.MEMORY_BUDGET_GIB), never under 250,000 lines a group.
    batch = load_batch(DEMO)
    sized = replace(batch, claim_lines=pl.DataFrame({"claim_id": pl.repeat("C1", lines, eager=True)}))
    assert part_count(sized) == groups


@pytest.mark.parametrize(("claims", "groups"), [(500_000, 1), (600_000, 2), (1_600_000, 5), (5_700_000, 57)])
def test_a_batch_of_many_short_claims_is_cut_by_its_claims_not_only_its_lines(claims, groups):
    # 5.7M claims of 1-2 lines in 10M lines: 57 groups of 100,000 claims, where lines alone made 40; 1.6M claims in
    # 2.8M lines count as a batch of 4M lines of the benchmark's shape (5 groups, where lines alone made 3).
    batch = load_batch(DEMO)
    lines = min(claims * 7 // 4, 10_000_000)
    sized = replace(
        batch,
        claims=pl.DataFrame({"claim_id": pl.repeat("C1", claims, eager=True)}),
        claim_lines=pl.DataFrame({"claim_id": pl.repeat("C1", lines, eager=True)}),
    )
    assert part_count(sized) == groups


@pytest.mark.parametrize(
    ("reads", "groups"),
    [({"line": 79, "claim": 53}, 40), ({"line": 39, "claim": 26}, 20), ({"line": 39, "claim": 53}, 40),
     ({"line": 158, "claim": 53}, 80), ({"line": 5, "claim": 5}, 10)],
)  # fmt: skip
def test_a_pack_reading_fewer_columns_runs_in_fewer_larger_groups(reads, groups):
    # The shipped pack reads 79 names of the line scope and 53 of the claim and diagnosis scopes. Reading about half as
    # many of both holds half the memory per row, so a group holds twice the rows; a narrower line scope alone
    # changes nothing (the claim scopes hold as much), and no group exceeds a batch run as one (1M lines).
    batch = load_batch(DEMO)
    sized = replace(batch, claim_lines=pl.DataFrame({"claim_id": pl.repeat("C1", 10_000_000, eager=True)}))
    assert part_count(sized, reads) == groups
