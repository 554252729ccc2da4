"""The benchmark's peers do the same edits as the engine: same claims, lines and rules on one batch."""

from __future__ import annotations

import polars as pl
import pytest

from bench.edits import EDITS, available, engine_findings, finding_keys
from bench.generate import generate, write_batch
from bench.peers import common, plain


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return write_batch(generate(6_000, seed=7), tmp_path_factory.mktemp("bench") / "parquet", "parquet")


@pytest.fixture(scope="module")
def edits() -> list[str]:
    present, _ = available()
    return present


@pytest.fixture(scope="module")
def engine(batch, edits) -> pl.DataFrame:
    return finding_keys(engine_findings(batch, edits))


def _differences(ours: pl.DataFrame, theirs: pl.DataFrame) -> dict:
    key = ["claim_id", "line_number", "rule_id"]
    return {
        "only_engine": ours.join(theirs, on=key, how="anti", nulls_equal=True).head(5).to_dicts(),
        "only_peer": theirs.join(ours, on=key, how="anti", nulls_equal=True).head(5).to_dicts(),
    }


def test_every_peer_edit_names_a_rule_and_fires_on_the_batch(engine, edits):
    assert {e.rule_id for e in EDITS} >= set(edits)
    fired = set(engine["rule_id"])
    assert set(edits) <= fired, f"edits that found nothing to compare: {sorted(set(edits) - fired)}"


def test_per_claim_python_finds_exactly_what_the_engine_finds(batch, edits, engine):
    peer = finding_keys(plain.findings(batch, edits))
    assert peer.equals(engine), _differences(engine, peer)


def test_duckdb_sql_finds_exactly_what_the_engine_finds(batch, edits, engine):
    pytest.importorskip("duckdb")
    from bench.peers import duck

    peer = finding_keys(duck.findings(batch, edits))
    assert peer.equals(engine), _differences(engine, peer)


def test_the_python_npi_check_follows_the_luhn_rule_with_the_80840_prefix():
    assert plain.npi_valid("1234567893")  # CMS's published example NPI
    assert not plain.npi_valid("1234567890")
    assert not plain.npi_valid("123456789")
    assert not plain.npi_valid(None)


@pytest.mark.parametrize(
    ("column_one", "column_two", "institutional", "bypassed"),
    [
        (("93000", []), ("93005", ["XU"]), False, True),  # distinct-service modifier on the column-two line
        (("85025", ["59"]), ("85027", []), False, True),  # 59 on the column-one procedure
        (("73630", ["RT"]), ("73620", ["LT"]), False, True),  # right and left foot
        (("73630", ["RT"]), ("73620", ["RT"]), False, False),  # the same foot
        (("85025", []), ("85027", ["91"]), False, True),  # a repeated lab test
        (("93000", []), ("93005", ["91"]), False, False),  # 91 on a test that is not a lab test
        (("85025", []), ("85027", ["25"]), False, False),  # 25 on a procedure
        (("93000", []), ("93005", ["27"]), False, False),  # 27 on a practitioner claim
        (("93000", []), ("93005", ["27"]), True, True),  # 27 on an outpatient hospital claim
        (("99213", ["25"]), ("36415", []), False, True),  # 25 on a column-one visit
        (("99213", ["59"]), ("36415", []), False, False),  # 59 never fits a visit
    ],
)
def test_the_python_peer_lets_only_a_fitting_modifier_bypass_an_indicator_1_pair(column_one, column_two, institutional, bypassed):
    sites = set(common.anatomic_modifiers())
    assert plain.pair_bypassed(column_one, column_two, sites, institutional) is bypassed
