"""The command a cron job runs: outputs, accounting and exit codes (CONTRACT §2 and §3)."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import yaml

from scrubber.rulebook.schema import CATEGORIES
from tests.conftest import DEMO, DEMO_AS_OF, REPO


def scrubber(*args, cwd=REPO):
    return subprocess.run(
        [sys.executable, "-m", "scrubber", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_run_on_the_demo_batch_writes_every_output(tmp_path):
    out = tmp_path / "out"
    result = scrubber("run", str(DEMO), "--as-of", DEMO_AS_OF.isoformat(), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # quiet on success, for cron
    assert {p.name for p in out.iterdir()} >= {"fix_list.html", "findings.csv", "findings.parquet", "summary.json"}

    summary = json.loads((out / "summary.json").read_text())
    claims = pl.read_csv(DEMO / "claims.csv", infer_schema=False)
    assert summary["claims_total"] == claims.height
    assert summary["claims_clean"] + summary["claims_with_errors"] + summary["claims_with_warnings"] == claims.height
    assert summary["as_of"] == "2026-09-14"

    findings = pl.read_parquet(out / "findings.parquet")
    assert set(summary["findings_by_rule"]) == set(findings["rule_id"])
    fired = set(findings["rule_id"])
    assert {"ELIG001", "DX001", "DX002", "DX013", "MOD001"} <= fired  # the three families of the core
    telehealth = findings.filter(pl.col("rule_id") == "MOD001").row(0, named=True)
    assert telehealth["claim_id"] == "C1022" and telehealth["line_number"] == 1 and telehealth["payer_id"] == "UHC"
    assert "C1001" not in set(findings["claim_id"])  # a clean claim stays clean
    # The remark codes a payer sends with the CARC, in Parquet and CSV alike; none for a rule naming none.
    csv = pl.read_csv(out / "findings.csv", infer_schema=False)
    for table in (findings, csv):
        remarks = {
            rule: (carc, rarc)
            for rule, carc, rarc in table.select("rule_id", "denial_code", "remark_codes").iter_rows()
        }
        assert remarks["MUE001"] == ("CO-151", "N362") and remarks["PTP002"] == ("CO-97", "M80")
        assert remarks["MOD001"][1] is None
    assert table.columns.index("remark_codes") == table.columns.index("denial_code") + 1

    html = (out / "fix_list.html").read_text()
    assert "C1022" in html and "Content-Security-Policy" in html
    assert 'prevents <span data-slot="denial_code">CO-151</span><span data-if="remark_codes"> with remark' in html


# One edit of each family the pack runs, by the rule-id prefix it is filed under.
EVERY_FAMILY = {
    "eligibility": "ELIG001",
    "code validity": "DX001",
    "patient conflicts": "DX013",
    "NCCI pairs": "PTP002",
    "medically unlikely edits": "MUE001",
    "medical necessity": "NCD001",
    "modifiers": "MOD002",
    "timely filing": "TF001",
    "duplicates": "DUP001",
    "provider": "PRV001",
    "authorization": "AUTH001",
    "encounters": "ENC001",
    "data quality": "DQ005",
}


def test_the_demo_shows_every_edit_family(tmp_path):
    out = tmp_path / "out"
    assert scrubber("run", str(DEMO), "--as-of", DEMO_AS_OF.isoformat(), "--out", str(out)).returncode == 0
    summary = json.loads((out / "summary.json").read_text())
    missing = {family: rule for family, rule in EVERY_FAMILY.items() if rule not in summary["findings_by_rule"]}
    assert not missing
    categories = set(CATEGORIES)
    assert set(summary["findings_by_category"]) == categories


def test_missing_column_exits_2_naming_file_and_column(demo_copy, tmp_path):
    pl.read_csv(demo_copy / "claim_lines.csv").drop("units").write_csv(demo_copy / "claim_lines.csv")
    out = tmp_path / "out"
    result = scrubber("run", str(demo_copy), "--out", str(out))
    assert result.returncode == 2
    assert "claim_lines.csv: required column 'units' missing" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()  # no partial output


def test_broken_rule_exits_2_naming_the_rule_file(rules_copy, tmp_path):
    path = rules_copy / "modifier" / "MOD001-telehealth-without-payer-modifier.yaml"
    document = yaml.safe_load(path.read_text())
    document["severity"] = "fatal"
    path.write_text(yaml.safe_dump(document))
    out = tmp_path / "out"
    result = scrubber("run", str(DEMO), "--out", str(out), "--rules-dir", str(rules_copy))
    assert result.returncode == 2
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("severity:"))
    assert f"MOD001-telehealth-without-payer-modifier.yaml:{line}: at severity" in result.stderr
    assert not out.exists()


def test_demo_command_says_where_the_fix_list_is(tmp_path):
    result = scrubber("demo", "--out", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    assert "Fix list:" in result.stdout and (tmp_path / "demo" / "fix_list.html").is_file()


def test_html_escapes_values_from_the_batch(demo_copy, tmp_path):
    claims = pl.read_csv(demo_copy / "claims.csv", infer_schema=False)
    claims = claims.with_columns(
        pl.when(pl.col("claim_id") == "C1022")
        .then(pl.lit('<script>alert(1)</script>"onload=x'))
        .otherwise(pl.col("patient_id"))
        .alias("patient_id")
    )
    claims.write_csv(demo_copy / "claims.csv")
    out = tmp_path / "out"
    assert scrubber("run", str(demo_copy), "--out", str(out)).returncode == 0
    html = (out / "fix_list.html").read_text()
    assert "<script>alert(1)" not in html.lower() and "onload=x" not in html.replace("&#34;onload=x", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;onload=x" in html


def test_outputs_are_owner_only_and_csv_cells_cannot_run_as_formulas(demo_copy, tmp_path):
    # A claim id an attacker controls, on a line with an impossible date so that it gets a finding.
    lines = pl.read_csv(demo_copy / "claim_lines.csv", infer_schema=False)
    claims = pl.read_csv(demo_copy / "claims.csv", infer_schema=False)
    evil = '=HYPERLINK("http://example.com/x","open")'
    first = claims["claim_id"][0]
    claims.with_columns(pl.col("claim_id").replace(first, evil)).write_csv(demo_copy / "claims.csv")
    lines.with_columns(
        pl.when(pl.col("claim_id") == first)
        .then(pl.lit("2026-02-30"))
        .otherwise(pl.col("service_date"))
        .alias("service_date"),
        pl.col("claim_id").replace(first, evil),
    ).write_csv(demo_copy / "claim_lines.csv")
    out = tmp_path / "out"
    assert scrubber("run", str(demo_copy), "--as-of", DEMO_AS_OF.isoformat(), "--out", str(out)).returncode == 0

    assert out.stat().st_mode & 0o777 == 0o700
    assert {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()} == {p.name: 0o600 for p in out.iterdir()}
    findings = pl.read_csv(out / "findings.csv", infer_schema=False)
    assert ("'" + evil) in findings["claim_id"].to_list()
    for column in findings.columns:
        assert not findings[column].drop_nulls().str.contains(r"^[=+\-@\t\r]").any(), column
    assert evil in pl.read_parquet(out / "findings.parquet")["claim_id"].to_list()  # the data itself is kept as sent
