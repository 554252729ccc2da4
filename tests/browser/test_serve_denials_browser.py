"""The denial queue in Chromium: a payer's 835 denies a claim, a biller sees why in plain words and appeals it."""

from __future__ import annotations

import pytest

from tests.browser.test_serve_browser import LOOK_AGAIN, open_claim, row
from tests.serve_support import DENIED, PAID, press, remittance_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _reports, _inbox, running = remittance_server(tmp_path_factory.mktemp("serve-denials-browser"), PAID, DENIED)
    yield running
    running.stop()


def test_a_biller_reads_the_payers_reason_in_the_denial_queue_and_appeals(biller, server):
    alice = biller("alice")
    alice.get_by_role("link", name="Denials").click()
    denied = row(alice, "C2001")
    assert "CO-50 (line 1)" in denied.inner_text()
    assert "50: These are non-covered services because this is not deemed a 'medical necessity'" in (
        denied.locator('[data-test="carc"]').inner_text()
    )
    assert row(alice, "C1008").count() == 0  # paid: closed, not a denial

    open_claim(alice, "C2001")
    assert "denied on 2026-09-20" in alice.locator('[data-test="remit"]').inner_text()
    alice.get_by_label("Status", exact=True).select_option("pended")
    alice.get_by_label("Pend reason (for Pended)").fill("Appeal sent with the progress notes the LCD asks for")
    alice.get_by_label("Look again on (for Pended)").fill(LOOK_AGAIN)
    press(alice, "Save status")

    alice.get_by_role("link", name="Denials").click()
    assert row(alice, "C2001").count() == 0
    alice.get_by_role("link", name="Today's progress").click()
    assert alice.locator('tr[data-person="alice"] [data-test="denials-worked"]').inner_text() == "1"
    assert alice.errors == []
    assert all(url.startswith(server.url + "/") for url in alice.requests)
