"""`scrubber remit` and the demo's remittances: the figures a biller reads, the files, and what stops it (exit 2)."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from scrubber.remit.report import NO_TEXT
from tests.conftest import REPO, scrub_demo
from tests.test_cli import scrubber
from tests.test_remit_match import remittance

D = Decimal
REMITS = REPO / "demo" / "remittances"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """`scrubber demo` into reports/demo of a fresh root; it writes reports/demo-remit beside it."""
    return scrub_demo(tmp_path_factory.mktemp("reports") / "demo")


def table(folder: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(folder / f"{name}.parquet")


def test_the_demo_remittances_answer_demo_claims_in_every_class(demo):
    out = demo.with_name("demo-remit")
    denials = table(out, "denials").filter(~pl.col("superseded"))
    assert sorted(denials.select("claim_id", "denial_code", "class").rows()) == [
        ("C1008", "CO-27", "predicted, sent anyway"),  # ELIG001: coverage ended before the visit
        ("C1010", "CO-50", "not predicted"),  # a clean claim denied for medical necessity
        ("C1013", "OA-22", "not predicted"),  # coordination of benefits: no rule names CARC 22
        ("C1020", "CO-146", "predicted, sent anyway"),  # DX001: E11.99 is not a code
        ("C2014", "CO-234", "predicted, sent anyway"),  # PTP001 names CO-97: the same family (bundling)
        ("C2018", "CO-50", "predicted, sent anyway"),  # NCD001 warned: no covered diagnosis for the A1c
        ("C9001", "CO-31", "not scrubbed"),  # no run saw it
    ]
    outcomes = dict(table(out, "finding_outcomes").select("rule_id", "outcome").rows())
    assert outcomes["MOD009"] == "fired but paid in full"
    claims = table(out, "claims")
    c1003 = claims.filter(pl.col("claim_id") == "C1003").select("status_code", "superseded", "correction", "current")
    assert c1003.rows() == [("1", True, False, False), ("22", False, False, False), ("1", False, True, True)]
    assert claims.filter(pl.col("claim_id") == "C1002")["remittance_files"].to_list() == [2, 2]  # split in two
    assert table(out, "issues").height == 0  # the generator's money balances


def test_the_report_counts_denials_and_dollars_by_carc_payer_rule_and_file(demo):
    out = demo.with_name("demo-remit")
    by_carc = table(out, "by_carc").select("carc", "denials", "dollars", "predicted_sent_anyway", "not_predicted")
    assert by_carc.filter(pl.col("carc") == "50").rows() == [("50", 2, D("108.00"), 1, 1)]
    texts = dict(table(out, "by_carc").select("carc", "description").iter_rows())
    assert texts["50"].startswith("These are non-covered services")  # the X12 wording, from the pack's table
    assert texts["22"] == NO_TEXT  # coordination of benefits: no rule names it, so the pack's table lacks it
    by_payer = table(out, "by_payer").filter(pl.col("payer_id") == "MEDICARE")
    assert by_payer.select("claims", "denials", "dollars").rows() == [(4, 2, D("278.00"))]
    record = table(out, "rule_record").filter(pl.col("rule_id").is_in(["PTP001", "MOD009"])).sort("rule_id")
    assert record.select("rule_id", "fired", "denied_as_predicted", "sent_anyway", "fired_paid_in_full").rows() == [
        ("MOD009", 1, 0, 0, 1),
        ("PTP001", 1, 1, 1, 0),
    ]
    grow = table(out, "unpredicted").select("carc", "dollars", "pack_rules")
    assert grow.filter(pl.col("carc") == "22").rows() == [("22", D("95.00"), "")]  # no rule: where to grow
    assert "NCD001" in grow.filter(pl.col("carc") == "50")["pack_rules"].item()  # rules exist, did not fire
    trend = table(out, "trend").select("file", "claims", "reversals", "denials", "predicted")
    assert trend.rows() == [("remittance-2026-10-02.835", 8, 0, 4, 3), ("remittance-2026-10-16.835", 7, 1, 3, 1)]
    assert (out / "by_carc.csv").is_file() and (out / "remit.html").is_file()


def test_scrubber_remit_reads_the_runs_kept_under_reports(demo, tmp_path):
    """After `bash scripts/demo`, `scrubber remit demo/remittances --runs reports` finds the demo run."""
    out = tmp_path / "remit"
    result = scrubber("remit", str(REMITS), "--runs", str(demo.parent), "--out", str(out))
    assert (result.returncode, result.stdout) == (0, ""), result.stderr  # quiet on success, as `scrubber run` is
    assert table(out, "denials").equals(table(demo.with_name("demo-remit"), "denials"))


@pytest.mark.parametrize("case", ["missing", "empty", "not an 835"])
def test_a_broken_or_empty_folder_exits_2_and_writes_nothing(case, demo, tmp_path):
    folder = tmp_path / "remits"
    if case != "missing":
        folder.mkdir()
    if case == "not an 835":
        shutil.copy(REMITS / "remittance-2026-10-02.835", folder)
        (folder / "export.835").write_text("CLP*C1001*1*110.00*70.40\n", encoding="utf-8")
    out = tmp_path / "remit"
    result = scrubber("remit", str(folder), "--runs", str(demo.parent), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "nothing written" in result.stderr
    assert ("export.835" in result.stderr) == (case == "not an 835")
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == (["remits"] if case != "missing" else [])


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style += data


def test_the_page_is_self_contained_runs_no_script_and_escapes_what_the_835_says(demo, tmp_path):
    folder = tmp_path / "remits"
    folder.mkdir()
    claim = ["CLP*C1001*4*110.00*0*0*MB*PCN1", "CAS*CO*29*110.00"]
    (folder / "hostile.835").write_text(remittance(claim, payer="<img src=x onerror=alert(1)>"), encoding="utf-8")
    out = tmp_path / "remit"
    assert scrubber("remit", str(folder), "--runs", str(demo.parent), "--out", str(out)).returncode == 0
    html = (out / "remit.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    digest = base64.b64encode(hashlib.sha256(page.style.encode("utf-8")).digest()).decode("ascii")
    assert f"style-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp and "script-src 'none'" in csp
    assert not any(t == "script" for t, _ in page.tags)
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)  # nothing loaded from outside the file
    denial = table(out, "denials").select("claim_id", "denial_code", "class").rows()
    assert denial == [("C1001", "CO-29", "not predicted")]  # a clean demo claim, denied for timely filing


def test_the_catalogue_shows_each_rules_record_only_when_asked(demo):
    out = demo.with_name("demo-remit")
    result = scrubber("catalog", "--record", str(out))
    assert result.returncode == 0, result.stderr
    assert "| 1 / 1 / 1 / 0 |" in next(line for line in result.stdout.splitlines() if "[PTP001]" in line)
    assert "- Payers' record: fired on 1 claim line(s) the payers answered: 0 then denied" in result.stdout
    plain = scrubber("catalog")
    assert "Payers' record" not in plain.stdout and plain.stdout == (REPO / "docs" / "rules.md").read_text() + "\n"
    refused = scrubber("catalog", "--record", str(out), "--write")
    assert refused.returncode == 2
