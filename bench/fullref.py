"""A copy of the rule pack whose NCCI tables are full size, to measure what a full quarterly release costs.

The repository ships samples of the CMS tables (35 PTP rows, 44 MUE rows; see
rules/reference/ncci_ptp/README.md). A billing company imports the full release: about
2.6 million PTP rows and 15,000 MUE codes, under which nearly every code of a batch is in
both columns of some PTP pair and has an MUE, so neither table narrows the lines its
rules look at. This copy keeps the sample rows and pads each table to that size with
synthetic rows built for the benchmark only (never shipped as reference data):

- PTP: every procedure code of the batch is paired, as column one and as column two,
  with real HCPCS Level II codes the batch never bills, and those codes with each other,
  a quarter of the pairs with an earlier deleted window as CMS files carry them;
- MUE: every code of the batch without a real sample row gets a limit no line reaches.

No added row can match a pair of lines or a line's units in the batch, so the findings
are exactly the sample tables' findings: the difference in time is the cost of the size.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import yaml

from scrubber import paths
from scrubber.rulebook.reference import ReferenceLibrary, ReferenceTable

PTP_ROWS = 2_600_000
MUE_CODES = 15_000  # or as many as the batch's codes and the spare HCPCS codes make
UNREACHED_LIMIT = 9_999
SYNTHETIC = "synthetic padding for the benchmark (bench/fullref.py), not CMS data"


def pack_with_full_ncci(dest: Path, batch: Path, ptp_rows: int = PTP_ROWS) -> Path:
    """A copy of the pack at dest whose ncci_ptp and mue tables are padded to full size for `batch`."""
    source = paths.rules_dir()
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest)
    reference = ReferenceLibrary(dest / "reference")
    billed = pl.scan_parquet(batch / "claim_lines.parquet").select(pl.col("procedure_code").str.strip_chars().str.to_uppercase())
    billed = set(billed.unique().collect().to_series().drop_nulls().to_list())
    hcpcs = reference.get("hcpcs").rows.get_column("code").unique().sort().to_list()
    spare = [c for c in hcpcs if c not in billed]  # real codes no line of the batch carries
    ptp = reference.get("ncci_ptp")
    _replace_release(ptp.folder, "ptp_full_size.csv.gz", _ptp_rows(ptp, sorted(billed), spare, ptp_rows))
    mue = reference.get("mue")
    _replace_release(mue.folder, "mue_full_size.csv.gz", _mue_rows(mue, sorted(billed), spare))
    return dest


def _ptp_rows(sample: ReferenceTable, billed: list[str], spare: list[str], size: int) -> pl.DataFrame:
    columns = list(sample.columns)
    kept = sample.rows.select(columns).with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
    spare_codes = pl.Series("code", spare)
    # Each billed code with spare partners both ways, then spare pairs until the table is full size.
    per_code = 200  # about as many partners as a common code has in the CMS file
    partners = pl.DataFrame({"code": billed}).join(pl.DataFrame({"k": range(per_code)}, schema={"k": pl.UInt64}), how="cross")
    at = partners.select((pl.col("code").hash(7) % len(spare) + pl.col("k") * 7919) % len(spare)).to_series()
    partners = partners.with_columns(partner=spare_codes.gather(at))
    pairs = pl.concat([
        partners.select(column1="code", column2="partner"),
        partners.select(column1="partner", column2="code"),
    ])
    left = max(0, size * 4 // 5 - pairs.height)  # a quarter of the pairs get a second, deleted window
    n = len(spare)
    index = pl.int_range(0, left, eager=True)
    filler = pl.DataFrame({
        "column1": spare_codes.gather(index % n),
        "column2": spare_codes.gather((index // n + 1 + index % n) % n),
    })
    pairs = pl.concat([pairs, filler]).filter(pl.col("column1") != pl.col("column2")).unique(maintain_order=True)
    current = pairs.with_columns(
        prior_1996=pl.lit("N"), effective_date=pl.lit("2015-01-01"), deletion_date=pl.lit(None, pl.String),
        modifier_indicator=pl.lit("1"), rationale=pl.lit("Misuse of column two code with column one code"),
        source=pl.lit(SYNTHETIC),
    )
    deleted = current.gather_every(4).with_columns(
        effective_date=pl.lit("2005-01-01"), deletion_date=pl.lit("2014-12-31"), modifier_indicator=pl.lit("0")
    )
    return pl.concat([kept, current.select(columns), deleted.select(columns)])


def _mue_rows(sample: ReferenceTable, billed: list[str], spare: list[str]) -> pl.DataFrame:
    columns = list(sample.columns)
    kept = sample.rows.select(columns)
    known = set(kept.get_column("code").to_list())
    codes = [c for c in billed if c not in known]
    codes += [c for c in spare if c not in known][: max(0, MUE_CODES - len(codes) - kept.height)]
    added = pl.DataFrame({"code": codes}).with_columns(
        mue_value=pl.lit(UNREACHED_LIMIT, kept.schema["mue_value"]), mai=pl.lit("3"),
        rationale=pl.lit("Clinical: Data"), source=pl.lit(SYNTHETIC),
    )
    return pl.concat([kept, added.select(columns)])


def _replace_release(folder: Path, file_name: str, rows: pl.DataFrame) -> None:
    """The table's releases become one, `file_name`, in force for every date its releases covered."""
    table_yaml = folder / "table.yaml"
    document = yaml.safe_load(table_yaml.read_text(encoding="utf-8"))
    first = min(r["effective_from"] for r in document["releases"])
    for release in document["releases"]:
        (folder / release["file"]).unlink()
    rows.write_csv(folder / file_name, compression="gzip", date_format="%Y-%m-%d", check_extension=False)
    document["releases"] = [{"id": "full-size-synthetic", "file": file_name, "effective_from": str(first), "source": SYNTHETIC}]
    table_yaml.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
