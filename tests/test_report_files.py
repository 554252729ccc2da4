"""What a run leaves beside the fix list: the comparison with the last run, worklist.xlsx,
the rule catalogue, the charts and the page's own security policy."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import re
import sys
import zipfile
from collections import Counter
from html import unescape

import polars as pl
import pytest

from scrubber.history import previous_runs
from scrubber.pipeline import run
from scrubber.report.charts import MOST_BARS, bar_chart
from scrubber.report.fix_list import cards_data, rule_catalogue
from scrubber.report.workbook_process import ROWS_FILE, WorkbookProcess
from scrubber.report.worklist import BUCKETS, payer_rows, write_workbook
from tests.conftest import DEMO, DEMO_AS_OF, keep_core_claims

AS_OF = DEMO_AS_OF


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, request):
    from scrubber.paths import Settings
    from tests.conftest import PROFILES, RULES

    out = tmp_path_factory.mktemp("reports") / "2026-09-14"
    run(DEMO, out, AS_OF, Settings(RULES, PROFILES))
    return out


def test_the_policy_allows_exactly_the_pages_own_script_and_style(demo_run):
    html = (demo_run / "fix_list.html").read_text()
    policy = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = lambda text: base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()  # noqa: E731
    assert f"script-src 'sha256-{digest(script)}'" in policy
    assert f"style-src 'sha256-{digest(style)}'" in policy
    assert "default-src 'none'" in policy and "unsafe" not in policy
    assert len(re.findall(r"<script>", html)) == 1  # every other script element is an inert data block


def test_the_worklist_opens_on_the_claims_then_the_visits_then_the_payers_in_priority_order(demo_run):
    from scrubber.report.worklist import CLAIM_COLUMNS

    findings = pl.read_parquet(demo_run / "findings.parquet").filter(pl.col("rule_status") == "active")
    html = (demo_run / "fix_list.html").read_text()
    claims = [r for r in page_rows(html).values() if r["kind"] == "claim"]
    claims.sort(key=lambda r: r["priority"])  # the fix list's order: what can be saved, then past the deadline
    payer_of_claims = Counter(r["payer_id"] if r["payer_id"] != "—" else "(no payer)" for r in claims)
    with zipfile.ZipFile(demo_run / "worklist.xlsx") as book:
        names = re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode())
        first, _, payers = (book.read(f"xl/worksheets/sheet{n}.xml").decode() for n in range(1, len(names) + 1))
    assert names == ["Claims", "Unbilled visits", "Payers"]
    assert 'state="frozen"' in first and 'topLeftCell="A2"' in first
    assert "<autoFilter" in first and "<autoFilter" in payers
    # One row per claim, header included, and nowhere else: a status typed on it is the claim's only one.
    assert first.count("<row ") == len(claims) + 1 == findings["claim_id"].drop_nulls().n_unique() + 1
    claim_column = list(CLAIM_COLUMNS).index("Claim") + 1
    width = float(re.search(rf'<col min="{claim_column}" max="{claim_column}" width="([0-9.]+)"', first).group(1))
    assert width >= 14  # widths in characters, so a claim id fits (it was 2 characters wide)
    # Every finding of a claim is in its row, with the fix: C1022's telehealth line.
    assert "Line 1 · MOD001 (error):" in first and "Fix: Add modifier 95" in first
    # The payers in the order of their most urgent claim, each with its number of claims.
    rows = re.findall(r"<row .*?</row>", payers)[1:]
    assert [re.search(r"<t>([^<]*)</t>", row).group(1) for row in rows] == list(payer_of_claims)  # first seen
    assert [float(re.findall(r"<v>([^<]*)</v>", row)[0]) for row in rows] == list(payer_of_claims.values())


def test_every_claim_cell_reads_from_the_top_and_dates_and_dollars_keep_their_formats(demo_run):
    from scrubber.report.worklist import CLAIM_COLUMNS

    with zipfile.ZipFile(demo_run / "worklist.xlsx") as book:
        styles = book.read("xl/styles.xml").decode()
        claims = book.read("xl/worksheets/sheet1.xml").decode()
    formats = re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", re.search(r"<cellXfs.*?</cellXfs>", styles).group(0))
    number_formats = dict(re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]+)"/>', styles))
    rows = re.findall(r"<row .*?</row>", claims)[1:]  # the header row has its own bold format
    assert rows
    for row in rows:
        for cell in re.findall(r'<c r="([A-Z]+)\d+"([^>]*)>', row):
            letter, attributes = cell
            index = re.search(r' s="(\d+)"', attributes)
            style = formats[int(index.group(1)) if index else 0]
            assert 'vertical="top"' in style, (letter, style)  # a cell with no format of its own: the default one
            column = list(CLAIM_COLUMNS)[ord(letter) - ord("A")]  # fewer than 26 columns: one letter each
            code = number_formats.get(re.search(r'numFmtId="(\d+)"', style).group(1))
            if column in ("Filing deadline", "Service from", "Service to"):
                assert code == "yyyy-mm-dd", column
            elif column == "Dollars":
                assert code == "$#,##0.00"
            else:
                assert code is None, column


def test_the_payers_sheet_counts_each_payers_claims_dollars_and_nearest_deadline_still_to_meet():
    claims = pl.DataFrame(
        {
            "payer_id": ["MEDICARE", "AETNA", "MEDICARE", None],
            "Bucket": [BUCKETS["on_time"], BUCKETS["on_time"], BUCKETS["past"], BUCKETS["on_time"]],
            "Dollars": [100.0, 250.0, 40.0, 10.0],
            "Filing deadline": [dt.date(2026, 9, 20), dt.date(2026, 12, 1), dt.date(2026, 8, 1), None],
            "Days left to file": [6, 78, -44, None],
            "Findings": [2, 1, 3, 1],
        }
    )
    visits = pl.DataFrame({"payer_id": ["UHC", "AETNA"]})
    payers = payer_rows(claims, visits)
    assert payers.columns == [
        "Payer", "Claims", "Dollars", "To file on time", "Past deadline", "Nearest filing deadline",
        "Fewest days left", "Findings", "Unbilled visits",
    ]  # fmt: skip
    assert payers.rows() == [
        # Medicare's claim past its deadline is counted, but its date is not the one still to meet.
        ("MEDICARE", 2, 140.0, 1, 1, dt.date(2026, 9, 20), 6, 5, None),
        ("AETNA", 1, 250.0, 1, 0, dt.date(2026, 12, 1), 78, 1, 1),
        ("(no payer)", 1, 10.0, 1, 0, None, None, 1, None),
        ("UHC", None, None, None, None, None, None, None, 1),  # unbilled visits only: last
    ]


def test_spreadsheet_text_that_looks_like_a_formula_stays_text(tmp_path, demo_copy, rulebook):
    claims = pl.read_csv(demo_copy / "claims.csv", infer_schema=False)
    claims.with_columns(
        pl.when(pl.col("claim_id") == "C1022")
        .then(pl.lit('=HYPERLINK("http://x","open")'))
        .otherwise(pl.col("patient_id"))
        .alias("patient_id")
    ).write_csv(demo_copy / "claims.csv")
    out = tmp_path / "out"
    run(demo_copy, out, AS_OF, rulebook)
    sheets = _sheets_text(out / "worklist.xlsx")
    assert "<f>" not in sheets  # no cell holds a formula
    assert '<t>=HYPERLINK("http://x","open")</t>' in sheets


def test_a_page_holding_only_the_most_urgent_claims_says_where_the_rest_are(tmp_path, monkeypatch, rulebook):
    from scrubber.report import write

    monkeypatch.setattr(write, "PAGE_CARDS", 5)
    outcome = run(DEMO, tmp_path / "out", AS_OF, rulebook)
    active = outcome.findings.filter((pl.col("rule_status") == "active") & pl.col("claim_id").is_not_null())
    with_findings = active["claim_id"].n_unique()  # a line's unknown claim id has its card too
    html = (tmp_path / "out" / "fix_list.html").read_text()
    assert f"This page holds the 5 most urgent of the {with_findings} claims with findings" in html
    assert f"the other {with_findings - 5} are in findings.csv" in html


def test_a_second_run_says_what_is_new_resolved_and_still_open(tmp_path, demo_copy, rulebook):
    claims, lines = keep_core_claims(demo_copy)
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    # By noon the biller has added modifier 95 to C1022's telehealth line (MOD001 resolved),
    # and claim C1030 has arrived for the patient's next telehealth visit, two days later, without it (MOD001 new).
    fixed = pl.when(pl.col("claim_id") == "C1022").then(pl.lit("95")).otherwise(pl.col("modifiers")).alias("modifiers")
    next_visit = [pl.lit("C1030").alias("claim_id")]
    pl.concat([claims, claims.filter(pl.col("claim_id") == "C1022").with_columns(next_visit)]).write_csv(
        demo_copy / "claims.csv"
    )
    pl.concat(
        [
            lines.with_columns(fixed),
            lines.filter(pl.col("claim_id") == "C1022").with_columns(
                *next_visit, pl.lit("2026-09-12").alias("service_date")
            ),
        ]
    ).write_csv(demo_copy / "claim_lines.csv")
    with (demo_copy / "encounters.csv").open("a") as visits:
        visits.write("E3130,P016,2026-09-12,1045678905,C1030\n")
    run(demo_copy, reports / "2026-09-14-noon", AS_OF, rulebook)

    morning = pl.read_parquet(reports / "2026-09-14" / "findings.parquet").filter(pl.col("rule_status") == "active")
    assert "MOD001" in morning.filter(pl.col("claim_id") == "C1022")["rule_id"].to_list()
    html = (reports / "2026-09-14-noon" / "fix_list.html").read_text()
    flagged = morning["claim_id"].drop_nulls().n_unique()
    assert "<b>1</b>claims new since 2026-09-14" in html  # C1030
    assert f"<b>{flagged - 1}</b>claims still open" in html
    assert "<b>1</b>claims fixed (in tonight's batch, now clean)" in html  # C1022
    assert "<b>0</b>claims not in tonight's batch" in html
    resolved = html[html.index('id="resolved"') :]
    assert "C1022" in resolved and "MOD001" in resolved
    assert [r.folder.name for r in previous_runs(reports / "2026-09-14-noon", AS_OF)] == ["2026-09-14"]


def page_rows(html: str) -> dict[str, dict]:
    """The list's rows as the page script unpacks them, by their key (claim id, or visit id)."""
    packed = re.search(r'<script type="application/gzip" id="cards-data">([^<]+)</script>', html).group(1)
    return {(r["kind"], r["id"]): r for r in unpacked(packed)}


def unpacked(packed: str) -> list[dict]:
    """What fix_list.js `unpack` makes of the page's compact JSON, step for step: each table's columns (a
    repeated text as codes into its texts) into rows, then each nested list cut from its table by its length."""
    [data] = json.loads(gzip.decompress(base64.b64decode(packed)))
    column = lambda c: c if isinstance(c, list) else [None if i is None else c["texts"][i] for i in c["codes"]]  # noqa: E731
    tables = {}
    for name, table in data.items():
        if name != "nested":
            columns = {key: column(c) for key, c in table.items()}
            tables[name] = [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    for parent, key, child in data["nested"]:
        at = 0
        for item in tables[parent]:
            item[key], at = tables[child][at : at + item[key]], at + item[key]
    return tables["rows"]


def test_the_page_data_unpacks_into_exactly_the_list_rows_with_their_cards():
    finding = {"rule_id": "MOD001", "category": "modifier", "severity": "error", "queue": "coder",
               "message": "Line 1 (99213) is billed as telehealth without modifier 95.", "fix": "Add modifier 95.",
               "denial_code": "CO-4", "remark_codes": None, "is_new": None}  # fmt: skip
    other = finding | {"rule_id": "DX001", "message": "Diagnosis E11 </script> is not billable: ü.", "is_new": True}
    line = {"line_number": 1, "procedure_code": "99213", "modifiers": "", "units": "1", "findings": [finding, other]}
    rows = pl.DataFrame(
        [
            {"id": "C1", "kind": "claim", "payer_id": "MEDICARE", "total": 125.5, "rules": ["DX001", "MOD001"],
             "claim_findings": [other], "lines": [line, line | {"line_number": 2, "findings": []}],
             "other_findings": []},
            {"id": "C2", "kind": "claim", "payer_id": "MEDICARE", "total": None, "rules": ["MOD001"],
             "claim_findings": [], "lines": [line], "other_findings": [finding]},
            {"id": "E1", "kind": "visit", "payer_id": None, "total": None, "rules": [],
             "claim_findings": [finding], "lines": None, "other_findings": None},
            {"id": "C3", "kind": "claim", "payer_id": "MEDICARE", "total": 0.0, "rules": ["MOD001"],
             "claim_findings": [], "lines": [line | {"findings": [finding]}], "other_findings": []},
        ]
    )  # fmt: skip
    packed = cards_data(rows)
    [data] = json.loads(gzip.decompress(base64.b64decode(packed)))
    assert data["rows"]["kind"] == {"texts": ["claim", "visit"], "codes": [0, 0, 1, 0]}  # a repeated text, coded
    assert data["rows"]["id"] == ["C1", "C2", "E1", "C3"]  # texts that do not repeat stay as they are
    # Texts sorted ("Diagnosis" before "Line"), each line's findings in turn, each list as its length.
    assert data["line_findings"]["message"]["codes"] == [1, 0, 1, 0, 1] and data["rows"]["lines"] == [2, 1, 0, 1]
    # Back as the rows were, a missing list (the visit has no lines) as an empty one.
    expected = json.loads(rows.write_json())
    expected[2]["lines"] = expected[2]["other_findings"] = []
    assert unpacked(packed) == expected
    assert unpacked(cards_data(rows.clear())) == []


def test_by_claim_each_night_says_new_open_for_how_many_nights_fixed_or_not_in_the_batch(tmp_path, demo_copy, rulebook):
    claims, lines = keep_core_claims(demo_copy)
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14-a", AS_OF, rulebook)
    run(demo_copy, reports / "2026-09-14-b", AS_OF, rulebook)
    first = pl.read_parquet(reports / "2026-09-14-a" / "findings.parquet").filter(pl.col("claim_id").is_not_null())
    flagged = sorted(set(first["claim_id"]) - {"C1022"})
    sent = flagged[0]  # went out to the payer between runs: not in the third night's batch
    # Third night: C1022's telehealth line has its modifier 95 now, and `sent` is no longer in the batch.
    fixed = pl.when(pl.col("claim_id") == "C1022").then(pl.lit("95")).otherwise(pl.col("modifiers")).alias("modifiers")
    claims.filter(pl.col("claim_id") != sent).write_csv(demo_copy / "claims.csv")
    lines.filter(pl.col("claim_id") != sent).with_columns(fixed).write_csv(demo_copy / "claim_lines.csv")
    run(demo_copy, reports / "2026-09-14-c", AS_OF, rulebook)

    rows = page_rows((reports / "2026-09-14-c" / "fix_list.html").read_text())
    assert rows[("fixed", "C1022")]["since_label"] == "fixed since 2026-09-14: scrubs clean tonight"
    assert rows[("gone", sent)]["since_label"].startswith("not in tonight's batch")
    still = rows[("claim", flagged[1])]
    assert (still["since"], still["nights"]) == ("open", 3)
    assert still["since_label"] == "open 3 nights, since 2026-09-14"
    assert ("claim", "C1022") not in rows and ("claim", sent) not in rows


def test_a_run_of_the_demo_batch_is_not_an_earlier_night_of_the_practice(tmp_path, demo_copy, rulebook):
    from scrubber.paths import demo_batch_dir

    reports = tmp_path / "reports"
    run(demo_batch_dir(), reports / "demo", AS_OF, rulebook)
    run(demo_copy, reports / "2026-09-14", AS_OF, rulebook)
    nightly = previous_runs(reports / "2026-09-15", AS_OF, demo_copy)
    assert [r.folder.name for r in nightly] == ["2026-09-14"]  # not the demo beside it
    assert [r.folder.name for r in previous_runs(reports / "2026-09-15", AS_OF)] == ["2026-09-14", "demo"]


def test_the_catalogue_comes_from_the_rule_files(rules, profiles):
    findings = pl.DataFrame({"rule_id": ["MOD001", "MOD001"]})
    entries = {e["id"]: e for e in rule_catalogue(rules, profiles, findings)}
    mod001 = entries["MOD001"]
    rule = next(r for r in rules if r.id == "MOD001")
    assert mod001["why"] == rule.why and mod001["reference"] == rule.reference
    assert mod001["denial"] == "CO-4" and mod001["fired"] == 2
    assert entries["ELIG001"]["fired"] == 0
    assert set(entries) == {r.id for r in rules if r.status != "retired"}


def test_bars_are_drawn_to_scale_and_the_long_tail_is_told_not_drawn():
    counts = pl.DataFrame({"rule_id": [f"R{i:02}" for i in range(20)], "len": [40, 20] + [1] * 18})
    chart = bar_chart("Findings by rule", counts, "rule_id")
    bars = chart["bars"]
    assert len(bars) == MOST_BARS
    assert bars[0]["label"] == "R00" and bars[1]["width"] * 2 == bars[0]["width"]
    assert chart["rest"] == f"+ {20 - MOST_BARS} more ({20 - MOST_BARS} findings)"


def test_charts_count_claims_and_dollars_and_each_bar_names_the_filter_it_sets():
    from scrubber.report.charts import claim_charts

    rows = pl.DataFrame(
        {
            "kind": ["claim", "claim", "claim", "visit"],
            "bucket": ["on_time", "on_time", "past", "unbilled"],
            "payer_id": ["UHC", "UHC", "AETNA", "AETNA"],
            "total": [100.0, 200.0, 900.0, None],
            "rules": [["MOD001"], ["MOD001", "DX002"], ["TF001"], ["ENC001"]],
        }
    )
    buckets, payers, by_rule = claim_charts(rows)
    assert [(b["label"], b["value"], b["key"]) for b in buckets["bars"]] == [
        ("past the deadline", "1 claim · $900.00", "past"),
        ("to file on time", "2 claims · $300.00", "on_time"),
        ("unbilled visits", "1 visit", "unbilled"),  # no dollars yet: none, not $0.00
    ]
    assert [(b["label"], b["value"], b["filter"]) for b in payers["bars"]] == [
        ("AETNA", "2 claims · $900.00", "payer_id"),
        ("UHC", "2 claims · $300.00", "payer_id"),
    ]
    assert payers["bars"][0]["aria"] == "AETNA: 2 claims · $900.00, show them in the list"
    assert [(b["label"], b["value"]) for b in by_rule["bars"]] == [
        ("TF001", "1 claim · $900.00"),
        ("MOD001", "2 claims · $300.00"),
        ("DX002", "1 claim · $200.00"),
        ("ENC001", "1 visit"),
    ]


def _five_aetna_rows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "kind": ["claim"] * 5,
            "payer_id": ["AETNA"] * 5,
            "Priority": list(range(1, 6)),
            "Claim": [f"claim_id-{n}" for n in range(5)],
            "Bucket": [BUCKETS["on_time"]] * 5,
            "Dollars": [100.0] * 5,
            "Filing deadline": [AS_OF + dt.timedelta(days=90)] * 5,
            "Days left to file": [90] * 5,
            "Findings": [1] * 5,
            "Top finding": [f"MOD001: finding {n}" for n in range(5)],
        }
    )


def _sheets_text(path) -> str:
    """Every sheet's XML: the cells hold their text inline."""
    with zipfile.ZipFile(path) as book:
        return "".join(book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/sheet"))


def _write_as_a_run_does(path, rows, left_out=0):
    """The workbook through its process, as write_outputs hands it over."""
    with WorkbookProcess() as child:
        child.write(path, rows, left_out, AS_OF)
        child.finish()


def test_a_huge_night_lists_the_most_urgent_claims_and_says_where_the_rest_are(tmp_path):
    path = tmp_path / "worklist.xlsx"
    _write_as_a_run_does(path, _five_aetna_rows().head(3), left_out=2)  # as worklist_rows cuts them
    with zipfile.ZipFile(path) as book:
        sheets = book.read("xl/workbook.xml").decode()
    strings = _sheets_text(path)
    assert 'name="Payers"' in sheets and 'name="Not listed here"' in sheets
    assert "The 3 most urgent claims are listed; 2 more are in findings.csv." in strings


def test_the_workbook_is_dated_by_the_run_not_the_clock(tmp_path):
    path = tmp_path / "worklist.xlsx"
    write_workbook(path, _five_aetna_rows(), 0, AS_OF)
    with zipfile.ZipFile(path) as book:
        assert book.testzip() is None  # every member copied whole, its checksum intact
        properties = book.read("docProps/core.xml").decode()
        names = book.namelist()
    assert f'<dcterms:created xsi:type="dcterms:W3CDTF">{AS_OF.isoformat()}T00:00:00Z<' in properties
    assert names[-2:] == ["docProps/core.xml", "docProps/app.xml"] and "xl/worksheets/sheet1.xml" in names


def test_a_finding_list_longer_than_a_cell_holds_is_cut_to_excels_limit(tmp_path):
    from scrubber.report.worklist import EXCEL_TEXT_LIMIT

    rows = _five_aetna_rows().with_columns(pl.lit("MOD001: " + "x" * 40_000).alias("Top finding"))
    write_workbook(tmp_path / "worklist.xlsx", rows, 0, AS_OF)
    assert "MOD001: " + "x" * (EXCEL_TEXT_LIMIT - 8) + "</t>" in _sheets_text(tmp_path / "worklist.xlsx")


def test_an_output_writers_error_is_not_lost_and_nothing_is_published(tmp_path, monkeypatch, rulebook):
    from scrubber.report import write

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(write, "write_findings", disk_full)  # written in a thread beside the fix list
    with pytest.raises(OSError, match="No space left on device"):
        run(DEMO, tmp_path / "out", AS_OF, rulebook)
    assert not (tmp_path / "out").exists()


def test_a_workbook_process_that_fails_fails_the_run_naming_the_file(tmp_path, monkeypatch, rulebook):
    from scrubber.report import workbook_process

    failing = "import sys; sys.stdin.readline(); sys.exit('OSError: [Errno 28] No space left on device')"
    monkeypatch.setattr(workbook_process, "COMMAND", [sys.executable, "-c", failing])
    with pytest.raises(OSError, match=r"worklist.xlsx not written: OSError: \[Errno 28\] No space left on device"):
        run(DEMO, tmp_path / "out", AS_OF, rulebook)
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.iterdir())  # the staging folder, with the rows handed over, is gone too


def test_the_workbook_process_writes_what_the_rows_say_and_leaves_no_hand_over_file(tmp_path):
    write_workbook(tmp_path / "here.xlsx", _five_aetna_rows(), 0, AS_OF)
    _write_as_a_run_does(tmp_path / "worklist.xlsx", _five_aetna_rows())
    assert (tmp_path / "worklist.xlsx").read_bytes() == (tmp_path / "here.xlsx").read_bytes()
    assert not (tmp_path / ROWS_FILE).exists()


def test_a_run_that_fails_before_its_outputs_leaves_no_workbook_process_behind(tmp_path, monkeypatch, rulebook):
    import scrubber.pipeline
    from scrubber.report import write

    started = []

    class Recorded(WorkbookProcess):
        def __init__(self):
            super().__init__()
            started.append(self)

    def rules_fail(*args, **kwargs):
        raise RuntimeError("the rules stage failed")

    monkeypatch.setattr(write, "WorkbookProcess", Recorded)
    monkeypatch.setattr(scrubber.pipeline, "scrub", rules_fail)
    with pytest.raises(RuntimeError, match="the rules stage failed"):
        run(DEMO, tmp_path / "out", AS_OF, rulebook)
    # Started with the rules, it waited for rows that never came: the run stopped it (else it would still wait).
    assert len(started) == 1 and started[0].returncode is not None
    assert not (tmp_path / "out").exists()
