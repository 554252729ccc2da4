"""The fix list in a real browser: what a biller sees, filters and finds, and what the page refuses to do."""

from __future__ import annotations

import polars as pl
import pytest

from scrubber.pipeline import run

pytest.importorskip("playwright")
from playwright.sync_api import expect

AS_OF = "2026-03-16"


def active_on_claims(report) -> pl.DataFrame:
    findings = pl.read_parquet(report / "findings.parquet")
    return findings.filter((pl.col("rule_status") == "active") & pl.col("claim_id").is_not_null())


def ready(page) -> None:
    expect(page.locator("#shown")).to_contain_text("findings match")


def test_a_biller_filters_by_payer_and_finds_a_claim_by_id(visit, demo_report, tmp_path):
    seen = visit(demo_report / "fix_list.html")
    page = seen.page
    ready(page)
    active = active_on_claims(demo_report)
    claims = active["claim_id"].n_unique()
    expect(page.locator("#shown")).to_contain_text(f"of {claims} · {active.height} findings match")

    page.select_option("select[name=payer_id]", "UHC")
    uhc = active.filter(pl.col("payer_id") == "UHC")
    expect(page.locator("#shown")).to_contain_text(f"of {uhc['claim_id'].n_unique()} · {uhc.height} findings match")
    payers = page.locator("#queue [data-slot=payer_label]").all_inner_texts()
    assert payers and all(p.startswith("UHC (UnitedHealthcare") for p in payers)

    page.fill("input[name=q]", "c1022")  # search ignores case
    expect(page.locator("#shown")).to_contain_text("Claims 1–1 of 1")
    card = page.locator("#queue > .card")
    expect(card).to_have_count(1)
    expect(card).to_have_id("claim-C1022")
    telehealth = card.locator("tbody tr").first
    expect(telehealth).to_contain_text("MOD001")
    expect(telehealth).to_contain_text("Add modifier 95")
    page.screenshot(path=tmp_path / "uhc_C1022.png", full_page=True)
    assert (tmp_path / "uhc_C1022.png").stat().st_size > 10_000

    card.get_by_role("link", name="MOD001").first.click()
    expect(page.locator("#rule-MOD001")).to_be_in_viewport()
    expect(page.locator("#rule-MOD001")).to_contain_text("Why payers deny it")
    assert seen.errors == [] and seen.dialogs == []


def test_the_coder_queue_holds_only_coding_and_modifier_findings(visit, demo_report):
    page = visit(demo_report / "fix_list.html").page
    ready(page)
    page.get_by_label("Coder queue").check()
    coder = active_on_claims(demo_report).filter(pl.col("queue") == "coder")
    expect(page.locator("#shown")).to_contain_text(f"of {coder['claim_id'].n_unique()} · {coder.height} findings match")
    categories = page.locator("#queue .finding:visible [data-slot=category]").all_inner_texts()
    assert sorted(categories) == sorted(coder["category"].to_list())

    page.get_by_label("Biller queue").check()
    page.select_option("select[name=category]", "eligibility")
    eligibility = active_on_claims(demo_report).filter(pl.col("category") == "eligibility")
    expect(page.locator("#shown")).to_contain_text(f"{eligibility.height} findings match")
    assert set(page.locator("#queue .finding:visible [data-slot=queue]").all_inner_texts()) == {"biller"}


def test_with_scripts_off_every_card_is_readable_and_the_filters_are_hidden(visit, demo_report):
    page = visit(demo_report / "fix_list.html", scripts=False).page
    claims = active_on_claims(demo_report)["claim_id"].n_unique()
    expect(page.locator("#static > .card")).to_have_count(claims)
    expect(page.locator("#static")).to_be_visible()
    expect(page.locator("#filters")).to_be_hidden()
    expect(page.locator("#claim-C1022")).to_contain_text("MOD001")


def test_the_page_asks_for_nothing_beyond_its_own_file(visit, demo_report):
    seen = visit(demo_report / "fix_list.html")
    ready(seen.page)
    assert seen.requests == [(demo_report / "fix_list.html").resolve().as_uri()]


HOSTILE_PATIENT = "<script>document.title='pwned'</script>\"onload=alert(1)"
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
    card = page.locator("#claim-C1022")
    expect(card.locator("[data-slot=patient_id]")).to_have_text(HOSTILE_PATIENT)
    expect(card.locator("[data-slot=rendering_npi]")).to_have_text(HOSTILE_NPI)
    assert page.locator("#claim-C1022 img, #claim-C1022 script").count() == 0
    assert page.title() == f"Fix list {AS_OF}"
    assert seen.dialogs == []
    assert all(url.startswith("file:") for url in seen.requests)  # the <img src=x> never loaded


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts_on", "scripts_off"])
def test_printing_gives_every_claim_without_the_controls(visit, demo_report, scripts):
    page = visit(demo_report / "fix_list.html", scripts=scripts).page
    claims = active_on_claims(demo_report)["claim_id"].n_unique()
    assert claims > 50  # more than one screen page: printing must not stop at the first
    if scripts:
        ready(page)
        page.evaluate("() => dispatchEvent(new Event('beforeprint'))")  # what the print dialog fires
    page.emulate_media(media="print")
    cards = page.locator("#queue > .card" if scripts else "#static > .card")
    expect(cards).to_have_count(claims)
    expect(cards.last).to_be_visible()
    expect(page.locator("#filters")).to_be_hidden()
    expect(page.locator(".pager")).to_be_hidden()
