"""Rules that read their own row alone run together, one pass per scope, and find what each would alone."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from bench.generate import AS_OF, generate, write_batch
from bench.rulegen import pack_with_extra_rules
from scrubber.batch import load_batch
from scrubber.engine.compile import findings_query
from scrubber.engine.context import RunContext
from scrubber.engine.row_rules import reads_its_row_only, row_rule_queries
from scrubber.engine.run import compile_all, materialise_scopes
from scrubber.errors import ScrubberInputError
from scrubber.findings import RULE_COLUMNS
from scrubber.rulebook.rules import load_rules
from tests.conftest import DEMO, DEMO_AS_OF


def _sorted(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat([f.select(RULE_COLUMNS) for f in frames]).sort(pl.all(), nulls_last=True)


@pytest.mark.parametrize("source", ["demo", "benchmark with 40 generated payer rules"])
def test_one_pass_per_scope_finds_what_each_rule_finds_alone(source, rules, profiles, references, tmp_path):
    if source == "demo":
        batch, as_of, pack = load_batch(DEMO), DEMO_AS_OF, rules
    else:
        batch, as_of = load_batch(write_batch(generate(8_000, seed=5), tmp_path, "parquet")), AS_OF
        pack = load_rules(pack_with_extra_rules(tmp_path / "rules", 40))
    ctx = RunContext(batch, profiles, references, as_of)
    live = [r for r in pack if r.status != "retired" and r.scope != "load_issue"]
    compiled = [c for c in compile_all(live, ctx) if reads_its_row_only(c) and not (c.requirements() - {"encounters"})]
    scopes = materialise_scopes(compiled, ctx)
    together = row_rule_queries(compiled, scopes, profiles)
    alone = pl.collect_all(findings_query(c, scopes[c.rule.scope].lazy(), {}, profiles) for c in compiled)
    assert _sorted(pl.collect_all(q for _, q in together)).equals(_sorted(alone))
    fired = {item.rule.id for item, _ in together}
    assert len(fired) > 10  # the comparison saw many rules fire, on claims and on lines
    assert {c.rule.scope for c in compiled if c.rule.id in fired} >= {"claim", "line"}
    if source != "demo":  # a payer's own rules are checked on that payer's rows alone, and still found
        assert sum(item.rule.payers is not None for item, _ in together) > 5


def test_a_rule_that_fails_while_running_with_others_is_named_by_its_file(rules, profiles, references):
    ctx = RunContext(load_batch(DEMO), profiles, references, DEMO_AS_OF)
    compiled = [c for c in compile_all([r for r in rules if r.scope == "claim"], ctx) if reads_its_row_only(c)]
    # Demo claim ids are not numbers: a strict cast fails only when the pass runs.
    broken = dataclasses.replace(compiled[3], condition=pl.col("claim.claim_id").str.to_integer() > 0)
    compiled[3] = broken
    scopes = materialise_scopes(compiled, ctx)
    with pytest.raises(ScrubberInputError, match=f"{broken.rule.path}: rule {broken.rule.id} failed at run time"):
        row_rule_queries(compiled, scopes, profiles)
