"""The fix list in a real browser: what a biller sees, filters and finds, and what the page refuses to do."""

from __future__ import annotations

import polars as pl
import pytest

from scrubber.pipeline import run
from tests.conftest import DEMO, keep_core_claims
from tests.test_report_files import page_rows

pytest.importorskip("playwright")
from playwright.sync_api import expect

AS_OF = "2026-03-16"


def active_on_claims(report) -> pl.DataFrame:
    findings = pl.read_parquet(report / "findings.parquet")
    return findings.filter((pl.col("rule_status") == "active") & pl.col("claim_id").is_not_null())


def unbilled_visits(report) -> pl.DataFrame:
    findings = pl.read_parquet(report / "findings.parquet")
    return findings.filter((pl.col("rule_status") == "active") & (pl.col("rule_id") == "ENC001"))


def ready(page) -> None:
    expect(page.locator("#shown")).to_contain_text("findings match")


def list_ids(page) -> list[str]:
    return page.locator("#rows > tr.row > td:first-child").all_inner_texts()


def test_the_list_opens_on_claims_that_can_still_go_out_on_time_most_urgent_first(visit, demo_report):
    seen = visit(demo_report / "fix_list.html")
    page = seen.page
    ready(page)
    # C3008 is due at UHC in 4 days; the demo's two claims already past their deadline are not in this bucket.
    rows = page.locator("#rows > tr.row")
    expect(rows.first).to_contain_text("C3008")
    expect(rows.first).to_contain_text("4 days left to file")
    days = [
        int(t.split()[0]) for t in page.locator("#rows > tr.row > td:nth-child(2)").all_inner_texts() if t[0].isdigit()
    ]
    assert days == sorted(days)
    assert "C3007" not in list_ids(page) and "C3006" not in list_ids(page)

    page.get_by_label("Past the deadline: appeal or write off").check()
    expect(page.locator("#shown")).to_contain_text("Claims 1–2 of 2")
    assert list_ids(page) == ["C3007", "C3006"]  # $220 before $120: the bigger appeal first
    past = active_on_claims(demo_report).filter(pl.col("claim_id").is_in(["C3007", "C3006"])).height
    expect(page.locator("#figures")).to_have_text(f"In view: 2 claims · $340.00 · {past} findings")

    # Unbilled visits sit beside the claims as their own bucket, oldest first, with the likely payer.
    page.get_by_role("radio", name="Unbilled visits").check()
    visits = unbilled_visits(demo_report)
    expect(page.locator("#shown")).to_contain_text(f"Visits 1–{visits.height} of {visits.height}")
    assert list_ids(page) == ["E3001", "E3002"]
    expect(page.locator("#rows > tr.row").nth(0)).to_contain_text("visit 11 days ago")
    expect(page.locator("#rows > tr.row").nth(1)).to_contain_text("AETNA")
    assert seen.errors == [] and seen.dialogs == []


def test_the_script_unpacks_the_page_data_into_the_same_rows_as_the_report_wrote(visit, demo_report):
    page = visit(demo_report / "fix_list.html").page
    ready(page)
    rows = page.evaluate("pageRows(document.getElementById('cards-data'))")
    expected = page_rows((demo_report / "fix_list.html").read_text())
    assert {(r["kind"], r["id"]): r for r in rows} == expected
    assert {kind for kind, _ in expected} == {"claim", "visit"}
    assert any(line["findings"] for r in rows for line in r["lines"]) and any(r["claim_findings"] for r in rows)


def test_a_biller_filters_by_payer_and_opens_a_claim_from_the_list(visit, demo_report, tmp_path):
    seen = visit(demo_report / "fix_list.html")
    page = seen.page
    ready(page)
    page.get_by_label("All work").check()
    active, visits = active_on_claims(demo_report), unbilled_visits(demo_report)
    rows = active["claim_id"].n_unique() + visits.height
    expect(page.locator("#shown")).to_contain_text(f"of {rows} · {active.height + visits.height} findings match")

    page.select_option("select[name=payer_id]", "UHC")
    uhc = active.filter(pl.col("payer_id") == "UHC")
    expect(page.locator("#shown")).to_contain_text(f"of {uhc['claim_id'].n_unique()} · {uhc.height} findings match")
    payers = page.locator("#rows > tr.row > td:nth-child(3)").all_inner_texts()
    assert payers and set(payers) == {"UHC"}
    # The figures above the list follow the filter: UHC's claims and their dollars.
    claims = pl.read_csv(DEMO / "claims.csv", infer_schema=False).filter(
        pl.col("claim_id").is_in(uhc["claim_id"].implode())
    )
    dollars = claims["total_charge"].cast(pl.Float64).sum()
    expect(page.locator("#figures")).to_contain_text(f"{uhc['claim_id'].n_unique()} claims · ${dollars:,.2f}")

    page.fill("input[name=q]", "c1022")  # search ignores case
    expect(page.locator("#shown")).to_contain_text("Claims 1–1 of 1")
    page.get_by_role("button", name="C1022").click()
    card = page.locator("#rows .card")
    expect(card).to_have_count(1)
    expect(card).to_have_id("claim-C1022")
    expect(page.get_by_role("button", name="C1022")).to_have_attribute("aria-expanded", "true")
    assert page.evaluate("location.hash").startswith("#claim-C1022&")
    telehealth = card.locator("tbody tr").first
    expect(telehealth).to_contain_text("MOD001")
    expect(telehealth).to_contain_text("Add modifier 95")
    page.screenshot(path=tmp_path / "uhc_C1022.png", full_page=True)
    assert (tmp_path / "uhc_C1022.png").stat().st_size > 10_000

    card.get_by_role("link", name="MOD001").first.click()
    expect(page.locator("#rule-MOD001")).to_be_in_viewport()
    expect(page.locator("#rule-MOD001")).to_contain_text("Why payers deny it")
    assert page.evaluate("location.hash").startswith("#claim-C1022&")  # the rule's link keeps the view
    assert seen.errors == [] and seen.dialogs == []


def test_a_link_to_a_claim_opens_it_even_outside_the_first_bucket(visit, demo_report):
    seen = visit(demo_report / "fix_list.html", hash="#claim-C3006")
    page = seen.page
    ready(page)
    card = page.locator("#claim-C3006")
    expect(card).to_be_visible()
    expect(card).to_be_in_viewport()
    expect(card).to_contain_text("14 days past the filing deadline")
    expect(page.get_by_label("Past the deadline: appeal or write off")).to_be_checked()
    expect(page.get_by_role("button", name="C3006")).to_be_focused()

    page.goto((demo_report / "fix_list.html").resolve().as_uri() + "#claim-NOPE")
    expect(page.locator("#shown")).to_have_text("claim NOPE is not in this list.")
    assert seen.errors == []


def test_filters_sort_and_the_open_claim_survive_a_reload(visit, demo_report):
    page = visit(demo_report / "fix_list.html").page
    ready(page)
    page.get_by_label("Coder queue").check()
    page.select_option("select[name=payer_id]", "UHC")
    expect(page.locator("#shown")).not_to_contain_text("Claims 1–54")
    page.get_by_role("button", name="Dollars").click()
    expect(page.locator("#list th").nth(3)).to_have_attribute("aria-sort", "descending")
    dollars = [float(t.strip("$")) for t in page.locator("#rows > tr.row > td:nth-child(4)").all_inner_texts()]
    assert dollars == sorted(dollars, reverse=True) and len(dollars) > 1
    first = list_ids(page)[0]
    page.get_by_role("button", name=first).click()
    before = (page.locator("#shown").inner_text(), list_ids(page), page.evaluate("location.hash"))

    page.reload()
    ready(page)
    expect(page.get_by_label("Coder queue")).to_be_checked()
    expect(page.locator("select[name=payer_id]")).to_have_value("UHC")
    expect(page.locator(f"#claim-{first}")).to_be_visible()
    assert (page.locator("#shown").inner_text(), list_ids(page), page.evaluate("location.hash")) == before


def test_a_chart_bar_counts_claims_and_dollars_and_filters_the_list(visit, demo_report):
    page = visit(demo_report / "fix_list.html").page
    ready(page)
    bar = page.locator("#charts a[data-filter=payer_id][data-value=MEDICARE]")
    label = bar.get_attribute("aria-label")
    assert label.startswith("MEDICARE: ") and " claims · $" in label
    bar.click()
    expect(page.locator("select[name=payer_id]")).to_have_value("MEDICARE")
    expect(page.get_by_label("All work")).to_be_checked()
    count = int(label.split(": ")[1].split(" claim")[0])
    expect(page.locator("#figures")).to_contain_text(f"In view: {count} claims · {label.split(' · ')[1].split(',')[0]}")
    expect(page.locator("#shown")).to_be_focused()


def test_the_phone_layout_fits_390_pixels_with_a_claim_open(visit, demo_report, tmp_path):
    seen = visit(demo_report / "fix_list.html", hash="#claim-C1022", width=390, height=844)
    page = seen.page
    ready(page)
    expect(page.locator("#claim-C1022")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for selector in ("#rows > tr.row", "#claim-C1022", "#filters", ".tiles", "#charts svg"):
        box = page.locator(selector).first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    page.screenshot(path=tmp_path / "phone.png")
    assert seen.errors == []


HOSTILE_PATIENT = "<script>document.title='pwned'</script>\"onload=alert(1)"
HOSTILE_CLAIM_ID = "C1022"
HOSTILE_NPI = '"><img src=x onerror="document.title=\'pwned\'">'


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts_on", "scripts_off"])
def test_markup_in_claim_fields_is_shown_as_text_and_never_runs(visit, demo_copy, rulebook, tmp_path, scripts):
    claims = pl.read_csv(demo_copy / "claims.csv", infer_schema=False)
    hostile = pl.col("claim_id") == "C1022"
    claims.with_columns(
        pl.when(hostile).then(pl.lit(HOSTILE_PATIENT)).otherwise(pl.col("patient_id")).alias("patient_id"),
        pl.when(hostile).then(pl.lit(HOSTILE_NPI)).otherwise(pl.col("rendering_npi")).alias("rendering_npi"),
    ).write_csv(demo_copy / "claims.csv")
    import datetime as dt

    run(demo_copy, tmp_path / "out", dt.date.fromisoformat(AS_OF), rulebook)
    seen = visit(tmp_path / "out" / "fix_list.html", scripts=scripts)
    page = seen.page
    if scripts:
        ready(page)
        page.fill("input[name=q]", "c1022")
        expect(page.locator("#shown")).to_contain_text("Claims 1–1 of 1")
        page.locator("#rows button.open").click()
        expect(page.locator("#rows button.open")).to_have_text(HOSTILE_CLAIM_ID)
    card = page.locator("#claim-C1022")
    expect(card.locator("[data-slot=patient_id]")).to_have_text(HOSTILE_PATIENT)
    expect(card.locator("[data-slot=rendering_npi]")).to_have_text(HOSTILE_NPI)
    assert page.locator("#claim-C1022 img, #claim-C1022 script").count() == 0
    assert page.title() == f"Fix list {AS_OF}"
    assert seen.dialogs == []
    assert all(url.startswith("file:") for url in seen.requests)  # the <img src=x> never loaded


def test_printing_without_scripts_gives_every_claim_without_the_controls(visit, demo_report):
    page = visit(demo_report / "fix_list.html", scripts=False).page
    claims = active_on_claims(demo_report)["claim_id"].n_unique()
    page.emulate_media(media="print")
    cards = page.locator("#static > .card")
    expect(cards).to_have_count(claims)
    expect(cards.last).to_be_visible()
    expect(page.locator("#filters")).to_be_hidden()


def test_printing_gives_the_current_filter_whole_and_says_which(visit, demo_report):
    page = visit(demo_report / "fix_list.html").page
    ready(page)
    page.get_by_label("All work").check()
    page.get_by_label("Biller queue").check()
    biller = active_on_claims(demo_report).filter(pl.col("queue") == "biller")["claim_id"].n_unique()
    visits = unbilled_visits(demo_report).height
    assert biller + visits > 30
    page.evaluate("() => dispatchEvent(new Event('beforeprint'))")  # what the print dialog fires
    page.emulate_media(media="print")
    rows = page.locator("#rows > tr.row")
    expect(rows).to_have_count(biller + visits)  # every matching row, not one screen page
    expect(rows.last).to_be_visible()
    title = page.locator("#print-title")
    expect(title).to_be_visible()
    expect(title).to_contain_text("printed view: All work · Biller queue (the rest)")
    expect(title).to_contain_text(f"{biller} claims · $")
    for hidden in ("#filters", ".pager", "#charts", "#catalogue", ".tiles"):
        expect(page.locator(hidden).first).to_be_hidden()


def test_day_over_day_filters_keep_fixed_apart_from_not_in_tonights_batch(visit, demo_copy, rulebook, tmp_path):
    import datetime as dt

    day = dt.date.fromisoformat("2026-09-14")
    claims, lines = keep_core_claims(demo_copy)
    reports = tmp_path / "reports"
    run(demo_copy, reports / "2026-09-14-a", day, rulebook)
    yesterday = active_on_claims(reports / "2026-09-14-a")
    sent = sorted(set(yesterday["claim_id"]) - {"C1022"})[0]
    # Tonight: C1022 got its modifier 95 (fixed); `sent` went out and is not in the batch (not fixed).
    fixed = pl.when(pl.col("claim_id") == "C1022").then(pl.lit("95")).otherwise(pl.col("modifiers")).alias("modifiers")
    claims.filter(pl.col("claim_id") != sent).write_csv(demo_copy / "claims.csv")
    lines.filter(pl.col("claim_id") != sent).with_columns(fixed).write_csv(demo_copy / "claim_lines.csv")
    run(demo_copy, reports / "2026-09-14-b", day, rulebook)
    tonight = active_on_claims(reports / "2026-09-14-b")

    seen = visit(reports / "2026-09-14-b" / "fix_list.html")
    page = seen.page
    ready(page)
    since = page.locator("select[name=since]")
    since.select_option("fixed")
    expect(page.locator("#shown")).to_contain_text("Claims 1–1 of 1")
    assert list_ids(page) == ["C1022"]
    expect(page.locator("#rows > tr.row")).to_contain_text("fixed since 2026-09-14")
    since.select_option("gone")
    expect(page.locator("#rows > tr.row > td:first-child")).to_have_text([sent])
    expect(page.locator("#rows > tr.row")).to_contain_text("not in tonight's batch")
    since.select_option("new")
    expect(page.locator("#shown")).to_have_text("Nothing matches these filters.")
    since.select_option("open")
    page.get_by_label("All work").check()
    expect(page.locator("#shown")).to_contain_text(
        f"of {tonight['claim_id'].n_unique() + unbilled_visits(reports / '2026-09-14-b').height} ·"
    )
    nights = page.locator("#rows > tr.k-claim > td:last-child").all_inner_texts()
    assert nights and set(nights) == {"open 2 nights, since 2026-09-14"}
    page.reload()
    expect(page.locator("select[name=since]")).to_have_value("open")
    assert seen.errors == []
