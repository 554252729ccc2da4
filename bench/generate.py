"""Deterministic benchmark batches (CONTRACT §1): a nightly batch of an office-based billing company.

1 to 6 lines per claim, real ICD-10-CM, CPT and HCPCS codes, the five payers with profiles
plus a rare one without, coverage gaps, and about one claim in ten carrying one defect of
the kinds the rule pack catches (see DEFECTS). Every column is drawn with seeded Polars
sampling: no Python loop over claims, so ten million lines take well under a minute.

    python -m bench.generate --lines 100k --out bench/data/100k
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import polars as pl

from bench.draw import Draw
from bench.pools import FACILITY_POS, FACILITY_VISITS, Pools, load_pools
from scrubber import paths

AS_OF = dt.date(2026, 9, 1)  # the run date the batches are scrubbed on
DATES = (dt.date(2026, 7, 1), dt.date(2026, 8, 28))  # ordinary dates of service: inside every filing limit
LATE = (dt.date(2026, 4, 1), dt.date(2026, 5, 15))  # past a 90/95-day limit on AS_OF
GAP = (dt.date(2026, 7, 21), dt.date(2026, 7, 31))  # "gap" members are not covered these days
PAYERS = {"MEDICARE": 340, "MEDICAID_TX": 150, "AETNA": 160, "BCBS_TX": 170, "UHC": 178, "CIGNA": 2}  # per mille
LINES_PER_CLAIM = {1: 34, 2: 26, 3: 17, 4: 11, 5: 7, 6: 5}
PLACES = {"11": 780, "10": 40, "02": 40, "22": 60, "19": 20, "23": 30, "21": 30}
TELEHEALTH = ["02", "10"]
# Per mille of claims. Defects needing two lines or a commercial payer are drawn more often
# because the claims they cannot apply to drop them; the result is about one claim in ten.
DEFECTS = {
    "coverage_gap": 12,
    "invalid_dx": 8,
    "header_dx": 8,
    "sex_conflict": 6,
    "telehealth_no_modifier": 10,
    "ptp_pair": 15,
    "mue_line": 6,
    "mue_day": 6,
    "timely_filing": 15,
    "duplicate_line": 12,
    "npi_invalid": 6,
    "total_mismatch": 8,
    "no_encounter": 4,
}
TWO_LINE_DEFECTS = ["ptp_pair", "mue_day", "duplicate_line"]
# The drugs the generator bills, each with the NDC of the vial used (11 digits, 5-4-2) and the amount
# given, as a practice's charge capture records them: payers that require NDCs (Medicaid, UHC) find them.
DRUG_NDC = {"J1100": "63323016501", "J3301": "00003029320"}
# The practice's CLIA number, on every claim with a lab test (CPT 80047-89398, PLA nnnnU).
PRACTICE_CLIA = "45D0123456"
ELIGIBILITY_KINDS = {"open": 955, "gap": 20, "termed": 5, "unknown": 3, "with_inactive": 17}
SIZES = {"k": 1_000, "m": 1_000_000}


def parse_size(text: str) -> int:
    text = text.strip().lower()
    return int(float(text[:-1]) * SIZES[text[-1]]) if text[-1] in SIZES else int(text)


def _ids(prefix: str, numbers: pl.Expr, width: int) -> pl.Expr:
    return pl.lit(prefix) + numbers.cast(pl.String).str.zfill(width)


def _npi(base: pl.Expr) -> pl.Expr:
    """A Luhn-valid NPI (80840 prefix) from a 9-digit base starting with 1."""
    digits = [base.cast(pl.String).str.slice(i, 1).cast(pl.Int32) for i in range(9)]
    doubled = [pl.when(d * 2 > 9).then(d * 2 - 9).otherwise(d * 2) for d in digits[0::2]]
    check = (10 - (pl.sum_horizontal(*doubled, *digits[1::2]) + 24) % 10) % 10
    return base.cast(pl.String) + check.cast(pl.String)


def _dotted(code: pl.Expr) -> pl.Expr:
    return pl.when(code.str.len_chars() > 3).then(code.str.slice(0, 3) + "." + code.str.slice(3)).otherwise(code)


def _pick(values: list[str], index: pl.Expr) -> pl.Expr:
    """values[index % len(values)] for a whole column."""
    return pl.lit(pl.Series(values, dtype=pl.String)).gather(index % len(values))


def _line_counts(draw: Draw, lines: int) -> pl.Series:
    mean = sum(k * w for k, w in LINES_PER_CLAIM.items()) / sum(LINES_PER_CLAIM.values())
    counts = draw.choice(int(lines / mean * 1.1) + 10, list(LINES_PER_CLAIM), list(LINES_PER_CLAIM.values()))
    total = counts.cum_sum()
    n_claims = int((total < lines).sum()) + 1
    counts = counts.head(n_claims)
    return counts.scatter(n_claims - 1, counts[-1] - (int(total[n_claims - 1]) - lines))


def _patients(draw: Draw, n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "patient_no": pl.int_range(0, n, eager=True),
            "birth_date": draw.dates(n, dt.date(1935, 1, 1), dt.date(2022, 12, 31)),
            "sex": draw.choice(n, ["F", "M", "U"], [520, 470, 10]),
            "payer_id": draw.choice(n, list(PAYERS), list(PAYERS.values())),
            "coverage": draw.choice(n, list(ELIGIBILITY_KINDS), list(ELIGIBILITY_KINDS.values())),
        }
    ).with_columns(
        _ids("P", pl.col("patient_no"), 8).alias("patient_id"), _ids("M", pl.col("patient_no"), 8).alias("member_id")
    )


def _eligibility(patients: pl.DataFrame) -> pl.DataFrame:
    def spans(kind: list[str], start: dt.date, end: dt.date | None, status: str) -> pl.DataFrame:
        return patients.filter(pl.col("coverage").is_in(kind)).select(
            "member_id",
            "payer_id",
            pl.lit(start).alias("coverage_start"),
            pl.lit(end, pl.Date).alias("coverage_end"),
            pl.lit(status).alias("status"),
        )

    return pl.concat(
        [
            spans(["with_inactive"], dt.date(2024, 1, 1), dt.date(2024, 12, 31), "inactive"),
            spans(["open", "with_inactive"], dt.date(2025, 1, 1), None, "active"),
            spans(["gap"], dt.date(2025, 1, 1), GAP[0] - dt.timedelta(days=1), "active"),
            spans(["gap"], GAP[1] + dt.timedelta(days=1), None, "active"),
            spans(["termed"], dt.date(2025, 1, 1), dt.date(2026, 6, 30), "active"),
        ]
    ).sort("member_id", "coverage_start")


def procedure_pool(pools: Pools) -> tuple[list[str], list[int]]:
    """Office procedures by frequency, then some HCPCS Level II codes.

    Lines after the second take the next codes of this list, so a claim never bills one
    code twice by chance (that is the duplicate defect's job).
    """
    codes = pools.procedures + [c for c in pools.hcpcs[:40] if c not in pools.procedures]
    return codes, [w * 10 for w in pools.procedure_weights] + [2] * (len(codes) - len(pools.procedures))


def facility_pool(pools: Pools) -> list[str]:
    """The procedure pool less what a hospital bills for its own patients (pools.office_only)."""
    codes, _ = procedure_pool(pools)
    return [c for c in codes if c not in pools.office_only]


def facility_visits() -> list[str]:
    """Every hospital visit code a clean claim may bill (FACILITY_VISITS)."""
    return sorted({code for codes in FACILITY_VISITS.values() for code in codes.values()})


def _visit_for_place(visit: pl.Expr) -> pl.Expr:
    """The office visit drawn, as the code of the claim's hospital setting (FACILITY_VISITS)."""
    place = pl.col("place_of_service")
    for pos, codes in FACILITY_VISITS.items():
        visit = pl.when(place == pos).then(visit.replace(codes)).otherwise(visit)
    return visit


def _dates(frame: pl.DataFrame) -> pl.Expr:
    """Each claim's date of service: a patient's claims fall on different days.

    Two claims of one patient on one day would add up against the daily MUEs and pair their
    codes for NCCI by chance; the defects make those findings on purpose. The patient's first
    claim takes its drawn date, the next ones the following days of the window (wrapping
    round). A "gap" member's ordinary claims skip the days their coverage lapses, so only the
    coverage-gap defect falls in them.
    """
    span, late_span, gap_span = ((b - a).days + 1 for a, b in (DATES, LATE, GAP))
    gap_start = (GAP[0] - DATES[0]).days
    step = (pl.col("date") - DATES[0]).dt.total_days().first().over("patient_no") + pl.int_range(pl.len()).over(
        "patient_no"
    )
    gap_member = pl.col("coverage") == "gap"
    slot = pl.when(gap_member).then(step % (span - gap_span)).otherwise(step % span)
    slot = pl.when(gap_member & (slot >= gap_start)).then(slot + gap_span).otherwise(slot)
    days = (
        pl.when(pl.col("defect") == "timely_filing")
        .then(pl.lit(LATE[0]) + pl.duration(days=step % late_span))
        .when(pl.col("defect") == "coverage_gap")
        .then(pl.lit(GAP[0]) + pl.duration(days=step % gap_span))
        .otherwise(pl.lit(DATES[0]) + pl.duration(days=slot))
    )
    return days.cast(pl.Date).alias("date")


def _claims(draw: Draw, counts: pl.Series, patients: pl.DataFrame, pools: Pools) -> pl.DataFrame:
    n = counts.len()
    procedures, weights = procedure_pool(pools)
    gap_patients = patients.filter(pl.col("coverage") == "gap")["patient_no"]
    defect = draw.choice(n, [None, *DEFECTS], [1000 - sum(DEFECTS.values()), *DEFECTS.values()])
    frame = pl.DataFrame(
        {
            "claim_no": pl.int_range(0, n, eager=True),
            "lines": counts,
            "defect": defect,
            "patient_no": draw.ints(n, patients.height),
            "gap_patient": draw.choice(n, gap_patients.to_list() or [0]),
            "date": draw.dates(n, *DATES),
            "place_of_service": draw.choice(n, list(PLACES), list(PLACES.values())),
            "telehealth_pos": draw.choice(n, TELEHEALTH),
            "frequency_code": draw.choice(n, ["1", "7", "8"], [975, 20, 5]),
            "billing_no": draw.ints(n, max(5, n // 2000)),
            "rendering_no": draw.ints(n, max(20, n // 200)),
            "dx_count": draw.choice(n, [1, 2, 3, 4], [40, 30, 20, 10]),
            "dx_base": draw.ints(n, len(pools.dx)),
            "bad_dx": draw.ints(n, 1000),
            "em": draw.choice(n, pools.em, pools.em_weights),
            "starts_with_visit": draw.chance(n, 850),
            "procedure": draw.choice(n, list(range(len(procedures))), weights),
            "pair": draw.ints(n, max(pools.ptp_pairs.height, 1)),
            "mue_row": draw.ints(n, 1000),
        }
    )
    frame = frame.with_columns(
        pl.when(pl.col("defect") == "coverage_gap")
        .then(pl.col("gap_patient"))
        .otherwise(pl.col("patient_no"))
        .alias("patient_no")
    ).join(
        patients.select("patient_no", "patient_id", "member_id", "payer_id", "sex", "coverage"),
        on="patient_no",
        how="left",
        maintain_order="left",
    )
    cannot = (
        (pl.col("defect").is_in(TWO_LINE_DEFECTS) & (pl.col("lines") < 2))
        | ((pl.col("defect") == "timely_filing") & pl.col("payer_id").is_in(["MEDICARE", "CIGNA"]))
        | ((pl.col("defect") == "sex_conflict") & (pl.col("sex") == "U"))
        | ((pl.col("defect") == "ptp_pair") & (pools.ptp_pairs.height == 0))
        | ((pl.col("defect") == "mue_line") & (pools.mue_line.height == 0))
        | ((pl.col("defect") == "mue_day") & (pools.mue_day.height == 0))
    )
    frame = frame.with_columns(pl.when(~cannot).then(pl.col("defect")).alias("defect"))
    return frame.with_columns(_dates(frame))


def _lines(draw: Draw, claims: pl.DataFrame, pools: Pools) -> pl.DataFrame:
    procedures, _ = procedure_pool(pools)
    in_facility = facility_pool(pools)
    pairs, mue, day_mue = pools.ptp_pairs, pools.mue_line, pools.mue_day
    defect = pl.col("defect")
    number = pl.col("line_number")
    facility = pl.col("place_of_service").is_in(FACILITY_POS)

    def pick(offset: pl.Expr) -> pl.Expr:
        # A hospital patient's claim bills only what the professional bills there (pools.office_only).
        index = pl.col("procedure") + offset
        return pl.when(facility).then(_pick(in_facility, index)).otherwise(_pick(procedures, index))

    visit = pl.when(pl.col("starts_with_visit")).then(_visit_for_place(pl.col("em"))).otherwise(pick(pl.lit(5)))
    mue_code = _pick(mue["code"].to_list() or ["99213"], pl.col("mue_row"))
    mue_limit = pl.lit(pl.Series(mue["mue_value"].to_list() or [1], dtype=pl.Int64)).gather(
        pl.col("mue_row") % max(mue.height, 1)
    )
    day_code = _pick(day_mue["code"].to_list() or ["99213"], pl.col("mue_row"))
    day_limit = pl.lit(pl.Series(day_mue["mue_value"].to_list() or [1], dtype=pl.Int64)).gather(
        pl.col("mue_row") % max(day_mue.height, 1)
    )
    ordinary = pl.when(number == 1).then(visit).otherwise(pick(number - 2))
    code = (
        pl.when((defect == "ptp_pair") & (number == 1))
        .then(_pick(pairs["column1"].to_list() or ["-"], pl.col("pair")))
        .when((defect == "ptp_pair") & (number == 2))
        .then(_pick(pairs["column2"].to_list() or ["-"], pl.col("pair")))
        .when((defect == "mue_line") & (number == 1))
        .then(mue_code)
        .when((defect == "mue_day") & (number <= 2))
        .then(day_code)
        .when((defect == "duplicate_line") & (number == 2))
        .then(visit)
        .otherwise(ordinary)
    )
    units = (
        pl.when((defect == "mue_line") & (number == 1))
        .then(mue_limit + 1)
        .when((defect == "mue_day") & (number == 1))
        .then(day_limit)
        .when(
            pl.col("procedure_code").is_in(["97110", "J1100", "J3301"])
            & ~defect.is_in(TWO_LINE_DEFECTS).fill_null(False)
        )
        .then(pl.col("extra_units") + 1)
        .otherwise(1)
    )
    none = pl.lit([], pl.List(pl.String))
    telehealth_ok = pl.col("place_of_service").is_in(TELEHEALTH) & (defect != "telehealth_no_modifier").fill_null(True)
    code_now = pl.col("procedure_code")
    bundles_visit = code_now.is_in(pools.bundles_visit).any().over("claim_no")
    modifiers = pl.concat_list(
        pl.when(telehealth_ok).then(pl.lit(["95"])).otherwise(none),
        # A visit billed with a code NCCI bundles it into (96372, 90471) carries 25: a significant, separately
        # identifiable E/M. The ptp_pair defect is the visit without it.
        pl.when(code_now.is_in(pools.em) & bundles_visit & (defect != "ptp_pair").fill_null(True))
        .then(pl.lit(["25"]))
        .otherwise(none),
        # The professional component of imaging read for a hospital or ER patient carries 26.
        pl.when(code_now.is_in(pools.professional_component) & facility).then(pl.lit(["26"])).otherwise(none),
        pl.when((defect == "mue_day") & (number == 2))
        .then(pl.lit(["91"]))
        .otherwise(none),  # repeat lab test, same day
    )
    lines = claims.select(
        "claim_no",
        "defect",
        "date",
        "place_of_service",
        "dx_count",
        "em",
        "starts_with_visit",
        "procedure",
        "pair",
        "mue_row",
        pl.int_ranges(1, pl.col("lines") + 1).alias("line_number"),
    ).explode("line_number")
    lines = lines.with_columns(code.alias("procedure_code"), draw.ints(lines.height, 3).alias("extra_units"))
    prices = pl.DataFrame(
        {
            "procedure_code": sorted(
                {*procedures, *pools.em, *facility_visits(), *pairs["column1"], *pairs["column2"], *mue["code"]}
                | {*day_mue["code"]}
            )
        }
    )
    prices = prices.with_columns((draw.ints(prices.height, 38_000) + 2_000).alias("price_cents"))
    return (
        lines.with_columns(units.cast(pl.Int64).alias("units"), modifiers.alias("modifiers"))
        .join(prices, on="procedure_code", how="left")
        .with_columns(
            (pl.col("price_cents") * pl.col("units")).alias("charge_cents"),
            pl.col("date").alias("service_date"),
            pl.when((pl.col("dx_count") > 1) & (number % 2 == 0))
            .then(pl.lit([1, 2]))
            .otherwise(pl.lit([1]))
            .alias("diagnosis_pointers"),
        )
        .sort("claim_no", "line_number")
    )


def _claim_table(claims: pl.DataFrame, lines: pl.DataFrame, pools: Pools) -> pl.DataFrame:
    defect = pl.col("defect")
    totals = lines.group_by("claim_no").agg(pl.col("charge_cents").sum().alias("total_cents"))
    dx = [_pick(pools.dx, pl.col("dx_base") + offset) for offset in (0, 7, 19, 31)]
    bad = (
        pl.when(defect == "invalid_dx")
        .then(_pick(pools.invalid_dx, pl.col("bad_dx")))
        .when(defect == "header_dx")
        .then(_pick(pools.header_dx, pl.col("bad_dx")))
        .when((defect == "sex_conflict") & (pl.col("sex") == "F"))
        .then(_pick(pools.dx_male_only, pl.col("bad_dx")))
        .when((defect == "sex_conflict") & (pl.col("sex") == "M"))
        .then(_pick(pools.dx_female_only, pl.col("bad_dx")))
    )
    # The defective code takes the last position, so the claim still has a valid principal diagnosis
    # when it has several.
    positions = [
        pl.when(i < pl.col("dx_count")).then(
            pl.when((i == pl.col("dx_count") - 1) & bad.is_not_null()).then(bad).otherwise(code)
        )
        for i, code in enumerate(dx)
    ]
    billing = _npi(pl.col("billing_no") + 123_456_000)
    broken = billing.str.slice(0, 9) + ((billing.str.slice(9, 1).cast(pl.Int32) + 1) % 10).cast(pl.String)
    return (
        claims.join(totals, on="claim_no", how="left", maintain_order="left")
        .with_columns(
            pl.when(defect == "total_mismatch")
            .then(pl.col("total_cents") + 1_000)
            .otherwise(pl.col("total_cents"))
            .alias("total_cents")
        )
        .select(
            _ids("C", pl.col("claim_no"), 9).alias("claim_id"),
            "patient_id",
            "member_id",
            "payer_id",
            pl.lit("professional").alias("claim_type"),
            pl.when(defect == "npi_invalid").then(broken).otherwise(billing).alias("billing_npi"),
            _npi(pl.col("rendering_no") + 154_321_000).alias("rendering_npi"),
            # The treating provider orders the labs and imaging, so the ordering (referring) NPI is theirs.
            _npi(pl.col("rendering_no") + 154_321_000).alias("referring_npi"),
            pl.when(defect == "telehealth_no_modifier")
            .then(pl.col("telehealth_pos"))
            .otherwise(pl.col("place_of_service"))
            .alias("place_of_service"),
            pl.concat_list(_dotted(p) for p in positions).list.drop_nulls().alias("diagnosis_codes"),
            pl.lit(None, pl.String).alias("prior_auth_number"),
            "frequency_code",
            (pl.col("total_cents").cast(pl.Decimal(18, 2)) / 100).cast(pl.Decimal(18, 2)).alias("total_charge"),
        )
    )


def _encounters(draw: Draw, claims: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """The visits the practice system documents: one per billed claim, plus a few not billed yet."""
    billed = pl.concat([claims.select("claim_no", "date", "defect"), table], how="horizontal").filter(
        (pl.col("frequency_code") != "8") & (pl.col("defect") != "no_encounter").fill_null(True)
    )
    n = max(1, claims.height * 5 // 1000)
    unbilled = pl.DataFrame(
        {
            "encounter_id": pl.Series([f"EU{i:08d}" for i in range(n)]),
            "patient_id": table["patient_id"].gather(draw.ints(n, table.height)),
            "encounter_date": draw.dates(n, *DATES),
            "rendering_npi": table["rendering_npi"].gather(draw.ints(n, table.height)),
            "claim_id": pl.Series([None] * n, dtype=pl.String),
        }
    )
    return pl.concat(
        [
            billed.select(
                _ids("E", pl.col("claim_no"), 9).alias("encounter_id"),
                "patient_id",
                pl.col("date").alias("encounter_date"),
                "rendering_npi",
                "claim_id",
            ),
            unbilled,
        ]
    )


def generate(lines: int, seed: int = 20260901, reference_dir: Path | None = None) -> dict[str, pl.DataFrame]:
    """The five contract tables of a batch of exactly `lines` claim lines, typed as Parquet holds them."""
    pools = load_pools(reference_dir or paths.rules_dir() / "reference", DATES[0], DATES[1] + dt.timedelta(days=6))
    draw = Draw(seed)
    counts = _line_counts(draw, lines)
    patients = _patients(draw, max(10, counts.len() // 3))
    claims = _claims(draw, counts, patients, pools)
    line_rows = _lines(draw, claims, pools)
    table = _claim_table(claims, line_rows, pools)
    code = pl.col("procedure_code")
    lab = (code.str.contains(r"^\d{5}$") & code.is_between(pl.lit("80047"), pl.lit("89398"))) | code.str.contains(
        r"^\d{4}U$"
    )
    labs = (
        line_rows.group_by("claim_no")
        .agg(lab.any().alias("lab"))
        .select(_ids("C", pl.col("claim_no"), 9).alias("claim_id"), "lab")
    )
    table = table.join(labs, on="claim_id", how="left", maintain_order="left").select(
        pl.exclude("lab"), pl.when(pl.col("lab")).then(pl.lit(PRACTICE_CLIA)).alias("clia_number")
    )
    drug = code.is_in(list(DRUG_NDC))
    return {
        "claims": table,
        "claim_lines": line_rows.select(
            _ids("C", pl.col("claim_no"), 9).alias("claim_id"),
            "line_number",
            "procedure_code",
            "modifiers",
            "units",
            (pl.col("charge_cents").cast(pl.Decimal(18, 2)) / 100).cast(pl.Decimal(18, 2)).alias("charge"),
            "service_date",
            "diagnosis_pointers",
            pl.lit(None, pl.String).alias("place_of_service"),
            code.replace_strict(DRUG_NDC, default=None, return_dtype=pl.String).alias("ndc"),
            pl.when(drug).then(pl.lit("ML")).alias("ndc_unit"),
            pl.when(drug).then(pl.lit(1, pl.Decimal(12, 3))).alias("ndc_quantity"),
        ),
        "patients": patients.select("patient_id", "birth_date", "sex"),
        "eligibility": _eligibility(patients),
        "encounters": _encounters(draw, claims, table),
        "defects": claims.select(_ids("C", pl.col("claim_no"), 9).alias("claim_id"), "defect").filter(
            pl.col("defect").is_not_null()
        ),
    }


def write_batch(tables: dict[str, pl.DataFrame], folder: Path, fmt: str) -> Path:
    """One batch folder in Parquet or CSV (lists joined with ';'); the defect key stays beside it, not in it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if name == "defects":
            frame.write_parquet(folder.parent / "defects.parquet")
        elif fmt == "parquet":
            frame.write_parquet(folder / f"{name}.parquet")
        else:
            text = frame.with_columns(
                pl.col(c).cast(pl.List(pl.String)).list.join(";")
                for c, t in frame.schema.items()
                if isinstance(t, pl.List)
            )
            text.write_csv(folder / f"{name}.csv")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", default="100k", help="claim lines: 100k, 1m, 10m or a number")
    parser.add_argument("--seed", type=int, default=20260901)
    parser.add_argument("--out", type=Path, required=True, help="folder that gets parquet/ and csv/ batch folders")
    parser.add_argument("--formats", default="parquet,csv")
    args = parser.parse_args()
    tables = generate(parse_size(args.lines), args.seed)
    for fmt in args.formats.split(","):
        print(write_batch(tables, args.out / fmt, fmt))


if __name__ == "__main__":
    main()
