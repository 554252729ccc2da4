"""The benchmark's peers do the same edits as the engine: same claims, lines and rules on one batch."""

from __future__ import annotations

import importlib.util

import polars as pl
import pytest

from bench.edits import EDITS, available, engine_findings, finding_keys
from bench.generate import generate, write_batch
from bench.peers import plain


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


# PTP002 on real indicator-1 pairs: (column one, its modifiers), (column two, its modifiers), an outpatient
# hospital claim (type of bill 0131) or a professional one, and whether a modifier fitting the pair bypasses it.
PAIR_CASES = [
    (("93000", []), ("93005", []), False, False),  # no modifier
    (("93000", []), ("93005", ["XU"]), False, True),  # distinct-service modifier on the column-two line
    (("85025", ["59"]), ("85027", []), False, True),  # 59 on the column-one procedure
    (("73630", ["RT"]), ("73620", ["LT"]), False, True),  # right and left foot
    (("73630", ["RT"]), ("73620", ["RT"]), False, False),  # the same foot
    (("85025", []), ("85027", ["91"]), False, True),  # a repeated lab test
    (("93000", []), ("93005", ["91"]), False, False),  # 91 on a test that is not a lab test
    (("85025", []), ("85027", ["25"]), False, False),  # 25 on a procedure
    (("93000", []), ("93005", ["27"]), False, False),  # 27 on a practitioner claim
    (("93000", []), ("93005", ["27"]), True, True),  # 27 on an outpatient hospital claim
    (("80053", []), ("82947", []), True, False),  # the outpatient hospital table has the pair too
]


def test_all_three_let_only_a_modifier_that_fits_the_pair_bypass_an_indicator_1_edit(tmp_path):
    tables = generate(2_000, seed=11)
    sizes = tables["claim_lines"].group_by("claim_id").len()
    chosen = sizes.filter(pl.col("len") == 2)["claim_id"].sort().head(len(PAIR_CASES)).to_list()
    cases = dict(zip(chosen, PAIR_CASES, strict=True))
    billed = pl.DataFrame(
        [(claim, number, *side) for claim, (one, two, _, _) in cases.items() for number, side in ((1, one), (2, two))],
        schema={"claim_id": pl.String, "line_number": pl.Int64, "code": pl.String, "mods": pl.List(pl.String)},
        orient="row",
    )
    hospital = [claim for claim, (_, _, institutional, _) in cases.items() if institutional]
    tables["claim_lines"] = (
        tables["claim_lines"]
        .join(billed, on=["claim_id", "line_number"])
        .with_columns(pl.col("code").alias("procedure_code"), pl.col("mods").alias("modifiers"))
        .drop("code", "mods")
    )
    on_hospital_bill = pl.col("claim_id").is_in(hospital)
    tables["claims"] = (
        tables["claims"]
        .filter(pl.col("claim_id").is_in(chosen))
        .with_columns(
            pl.when(on_hospital_bill).then(pl.lit("institutional")).otherwise("claim_type").alias("claim_type"),
            pl.when(on_hospital_bill).then(None).otherwise("place_of_service").alias("place_of_service"),
            pl.when(on_hospital_bill).then(pl.lit("0131")).alias("type_of_bill"),
        )
    )
    batch = write_batch(tables, tmp_path / "parquet", "parquet")
    expected = sorted((claim, 2) for claim, (_, _, _, bypassed) in cases.items() if not bypassed)
    engine = finding_keys(engine_findings(batch, ["PTP002"]))
    assert sorted(engine.select("claim_id", "line_number").rows()) == expected
    assert finding_keys(plain.findings(batch, ["PTP002"])).equals(engine)
    if importlib.util.find_spec("duckdb"):
        from bench.peers import duck

        assert finding_keys(duck.findings(batch, ["PTP002"])).equals(engine)
