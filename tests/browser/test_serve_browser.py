"""The worklist server in Chromium, worked the way a billing team works it: two billers, one list.

Alice takes two claims, pends one with a reason and a date, notes it, fixes the other; everything is
still there after a reload, and Bob, in his own browser, sees her work and adds his own, which she
sees on her next page.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.serve_support import PASSWORDS, Server, add_user, demo_run, press


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    reports = tmp_path_factory.mktemp("serve-browser") / "reports"
    demo_run(reports)
    for name in PASSWORDS:
        add_user(reports, name)
    running = Server(reports, reports.parent / "server.log")
    yield running
    running.stop()


LOOK_AGAIN = (dt.date.today() + dt.timedelta(days=7)).isoformat()


def open_claim(page, claim_id: str) -> None:
    page.get_by_label("Claim id").fill(claim_id)
    press(page, "Open")
    assert page.locator("h1").inner_text().startswith(f"Claim {claim_id}")


def row(page, claim_id: str):
    return page.locator(f'tr[data-claim="{claim_id}"]')


def test_two_billers_assign_pend_note_and_fix_claims_and_see_each_others_work(biller, server):
    alice = biller("alice")
    alice.get_by_role("link", name="Unassigned", exact=True).click()
    alice.get_by_label("Pick C3008").check()  # UHC, 4 days left to file
    alice.get_by_label("Pick C3005").check()  # BCBS of Texas, no coverage on the date of service
    alice.get_by_label("Assign the ticked claims to").select_option(label="me")
    press(alice, "Assign")
    assert "2 of 2 claims assigned." in alice.locator(".flash").inner_text()
    alice.get_by_role("link", name="My claims").click()
    assert sorted(alice.locator("tr[data-claim]").evaluate_all("rows => rows.map(r => r.dataset.claim)")) == [
        "C3005",
        "C3008",
    ]

    open_claim(alice, "C3008")
    alice.get_by_label("Status", exact=True).select_option("pended")
    alice.get_by_label("Pend reason (for Pended)").fill("Waiting on UHC's portal for the referral number")
    alice.get_by_label("Look again on (for Pended)").fill(LOOK_AGAIN)
    press(alice, "Save status")
    alice.get_by_label("Note", exact=True).fill("Called UHC, reference 4471; referral due by Wednesday")
    press(alice, "Add note")
    open_claim(alice, "C3005")
    alice.get_by_label("Status", exact=True).select_option("fixed")
    press(alice, "Save status")

    alice.reload()
    assert alice.locator('[data-test="status"]').inner_text() == "Fixed"
    open_claim(alice, "C3008")
    alice.reload()
    assert (
        alice.locator('[data-test="status"]')
        .inner_text()
        .startswith(f"Pended until {LOOK_AGAIN}: Waiting on UHC's portal for the referral number")
    )
    assert "alice: note: Called UHC, reference 4471" in alice.locator('[data-test="history"]').inner_text()

    bob = biller("bob")
    bob.get_by_role("link", name="All claims").click()
    assert row(bob, "C3008").locator('[data-test="owner"]').inner_text() == "alice"
    assert row(bob, "C3008").locator('[data-test="status"]').inner_text() == f"Pended until {LOOK_AGAIN}"
    assert row(bob, "C3005").count() == 0  # fixed: no longer still to work
    open_claim(bob, "C3008")
    history = bob.locator('[data-test="history"]').inner_text()
    assert "alice: note: Called UHC, reference 4471" in history
    assert "alice: owner nobody → alice" in history
    bob.get_by_label("Owner", exact=True).select_option(label="bob")
    press(bob, "Assign", exact=True)
    bob.get_by_label("Note", exact=True).fill("Took over: referral came in, resubmitting")
    press(bob, "Add note")

    alice.reload()
    assert alice.locator('[data-test="owner"]').inner_text() == "bob"
    assert "bob: note: Took over: referral came in" in alice.locator('[data-test="history"]').inner_text()
    alice.get_by_role("link", name="Today's progress").click()
    assert alice.locator('tr[data-person="alice"]').inner_text().split("\t")[1:3] == ["1", "$170.00"]

    for page in (alice, bob):
        assert page.errors == []
        assert all(url.startswith(server.url + "/") for url in page.requests)  # the server never sends elsewhere
