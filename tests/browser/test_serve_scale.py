"""The worklist server with 50,000 claims still to work: how long a page and a status change take.

It prints the figures (the README quotes them) and checks what a biller would see at that size;
it times nothing against a bound, since the machine's load decides the figures.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

import pytest
from sqlalchemy import func, select

from scrubber.server.auth import add_user
from scrubber.server.runs import RunWatcher
from scrubber.server.store import claims, connect, default_url
from tests.serve_support import PASSWORDS, Client, Server, claim_pk, demo_run, next_night, press, scaled_run, wait_for

CLAIMS = 50_000


def timed(action, times: int = 5) -> float:
    """The median wall time of ACTION, in milliseconds."""
    took = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took)


@pytest.fixture(scope="module")
def big_night(tmp_path_factory):
    """A reports folder whose one run flags 50,000 claims, imported; alice's account; the import's time."""
    root = tmp_path_factory.mktemp("serve-scale")
    demo = demo_run(root / "demo")
    reports = root / "reports"
    night = scaled_run(demo, reports / "2026-09-14", CLAIMS)
    engine = connect(default_url(reports))
    add_user(engine, "alice", PASSWORDS["alice"])
    started = time.perf_counter()
    RunWatcher(engine, reports, every=0).check()
    imported = time.perf_counter() - started
    with engine.connect() as db:
        assert db.execute(select(func.count()).select_from(claims)).scalar() == CLAIMS
    return reports, night, imported


def test_fifty_thousand_open_claims_page_and_status_change(big_night, browser):
    reports, night, imported = big_night
    server = Server(reports, reports.parent / "server.log")
    try:
        alice = Client(server).login("alice")
        pk = claim_pk(alice, "C3008-442")
        list_ms = timed(lambda: alice.get("/"))
        deep_ms = timed(lambda: alice.get("/?sort=dollars&queue=biller&page=300"))
        claim_ms = timed(lambda: alice.get(f"/claims/{pk}"))
        statuses = iter(["in_progress", "open"] * 3)
        change_ms = timed(lambda: alice.post(f"/claims/{pk}/status", {"status": next(statuses)}))
        picked = [str(n) for n in range(1, 101)]
        assign_ms = timed(lambda: alice.post("/assign", {"claim": picked, "owner": "me"}), times=1)

        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(server.url + "/login")
        page.get_by_label("Name").fill("alice")
        page.get_by_label("Password").fill(PASSWORDS["alice"])
        press(page, "Log in")
        started = time.perf_counter()
        page.goto(server.url + "/")
        browser_list_ms = (time.perf_counter() - started) * 1000
        page.goto(server.url + f"/claims/{pk}")
        started = time.perf_counter()
        page.get_by_label("Status", exact=True).select_option("fixed")
        press(page, "Save status")
        browser_change_ms = (time.perf_counter() - started) * 1000
        assert page.locator('[data-test="status"]').inner_text() == "Fixed"
        context.close()

        gone = [f"{claim}-{n}" for claim in ("C3005", "C3008") for n in range(1000)]
        next_night(night, reports / "2026-09-15", dt.date(2026, 9, 15), gone=gone)
        left = claim_pk(alice, "C3005-7")
        started = time.perf_counter()
        first_page_ms = timed(lambda: alice.get("/"), times=1)  # finds the run, imports it in the background
        assert "Sent" in wait_for(alice, f"/claims/{left}", 'data-test="status">Sent')
        second_import = time.perf_counter() - started
        with connect(default_url(reports)).connect() as db:
            sent = db.execute(select(func.count()).where(claims.c.status == "sent")).scalar()
    finally:
        server.stop()
    print(
        f"\n{CLAIMS:,} open claims: first night imported in {imported:.1f} s; over HTTP (median of 5) the "
        f"worklist's first page {list_ms:.0f} ms, page 300 of the biller queue by dollars {deep_ms:.0f} ms, "
        f"a claim's page {claim_ms:.0f} ms, a status change {change_ms:.0f} ms, assigning 100 claims "
        f"{assign_ms:.0f} ms; in Chromium the worklist loads in {browser_list_ms:.0f} ms and a status change "
        f"(save and the claim's page again) takes {browser_change_ms:.0f} ms; "
        f"the next night ({sent:,} claims gone from the batch, marked sent) "
        f"is found by a page answered in {first_page_ms:.0f} ms and shown {second_import:.1f} s after it was written"
    )
