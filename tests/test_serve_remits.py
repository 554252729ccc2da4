"""The payers' 835 remittances into the worklist, over HTTP: a paid claim closes, a denied one goes to the denial queue.

One `scrubber serve --remittances DIR` process for the module, on the demo run; the 835s are written by
the 835 reader's own test helper (payer AETNA, payer id 60054) and answer demo claims by their claim id.
"""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from scrubber.remit.x835 import read_835
from scrubber.server.remits import code_texts, per_claim
from scrubber.server.store import connect, default_url, remit_claims, remittances
from tests.serve_support import DENIED, PAID, PARTIAL, Client, claim_pk, remittance_server, wait_for
from tests.test_remit_835 import remittance, write

# A claim id no run flagged: a clean claim, denied all the same.
UNKNOWN = ["CLP*Z9001*4*95.00*0*0*MB*PCN9001", "SVC*HC:99212*95.00*0**1", "DTM*472*20260905", "CAS*CO*16*95.00"]
# C2005 paid, then in a later file reversed and paid again in part; C2006 paid, then reversed with nothing after.
FIRST_C2005 = ["CLP*C2005*1*200.00*100.00*0*MB*PCN2005", "SVC*HC:99213*200.00*100.00", "CAS*CO*45*100.00"]
FIRST_C2006 = ["CLP*C2006*1*120.00*80.00*0*MB*PCN2006", "SVC*HC:99212*120.00*80.00", "CAS*CO*45*40.00"]
REVERSAL_C2005 = ["CLP*C2005*22*-200.00*-100.00*0*MB*PCN2005", "SVC*HC:99213*-200.00*-100.00", "CAS*CO*45*-100.00"]
CORRECTED_C2005 = ["CLP*C2005*1*200.00*60.00*0*MB*PCN2005B", "SVC*HC:99213*200.00*60.00", "CAS*CO*45*100.00",
                   "CAS*CO*16*40.00"]  # fmt: skip
REVERSAL_C2006 = ["CLP*C2006*22*-120.00*-80.00*0*MB*PCN2006", "SVC*HC:99212*-120.00*-80.00", "CAS*CO*45*-40.00"]
# A broken file naming a patient: the problem shows on the remittances page, the name in no log.
BROKEN = "ISA*00*NOT A REMITTANCE*JONES*MARY*DOB 19500101~CLP*C1014*1*10*10~"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    reports, inbox, server = remittance_server(
        tmp_path_factory.mktemp("serve-remits"),
        PAID, DENIED, PARTIAL, UNKNOWN, FIRST_C2005, FIRST_C2006,
        more={"era-broken.txt": BROKEN},
    )  # fmt: skip
    yield reports, inbox, server, Client(server).login("alice")
    server.stop()


def page_of(client: Client, claim_id: str) -> str:
    return client.get(f"/claims/{claim_pk(client, claim_id)}")[2]


def row_of(page: str, claim_id: str) -> str:
    start = page.index(f'data-claim="{claim_id}"')
    return page[start : page.index("</tr>", start)]


def test_a_claim_paid_in_full_is_closed_as_paid_with_its_date_amount_and_history(served):
    page = page_of(served[3], "C1008")
    assert '<dd data-test="status">Paid</dd>' in page
    assert "paid on 2026-09-20: paid $126.00" in page
    assert "status Open → Paid (remittance: paid $126.00 of $200.00 on 2026-09-20 (payer claim PCN1008))" in page
    assert "CO-45 31.40; CO-253 2.60; PR-1 40.00" in page  # every adjustment on the claim page, none a denial
    assert 'data-claim="C1008"' not in served[3].get("/denials")[2]


def test_a_denied_claim_is_in_the_denial_queue_with_the_payers_codes_and_their_text(served):
    row = row_of(served[3].get("/denials")[2], "C2001")
    assert "denied" in row and "$180.00" in row and "PCN2001" in row
    assert "CO-50 (line 1)" in row
    assert (
        "50: These are non-covered services because this is not deemed a &#39;medical necessity&#39; by the payer."
        in row
    )
    # The remark codes of claim (MOA) and line (LQ); neither is in the pack's code table, which says so.
    assert "MA01: not in the pack&#39;s code table" in row and "N115: not in the pack&#39;s code table" in row
    assert '<dd data-test="status">Denied by the payer</dd>' in page_of(served[3], "C2001")


def test_a_partial_payment_is_in_the_denial_queue_with_only_what_was_denied(served):
    row = row_of(served[3].get("/denials")[2], "C2003")
    assert "partial" in row and "$80.00" in row and "$90.00" in row
    assert "CO-97 (line 2)" in row and "CO-45" not in row
    assert "M15: Separately billed services/tests have been bundled" in row


def test_a_claim_the_worklist_does_not_hold_is_counted_and_listed_not_dropped(served):
    page = served[3].get("/remittances")[2]
    assert row_of(page, "Z9001").count("$95.00") == 1
    assert "16: Claim/service lacks information" in row_of(page, "Z9001")
    assert '<td class="num" data-test="unknown">1</td>' in page
    assert 'data-test="unknown"><b>1</b>' in served[3].get("/denials")[2]


def test_a_broken_file_is_reported_on_the_remittances_page_and_no_patient_reaches_the_log(served):
    _reports, _inbox, server, alice = served
    page = alice.get("/remittances")[2]
    problems = page[page.index('data-file="era-broken.txt"') :]
    assert "era-broken.txt segment 1 (ISA)" in problems[: problems.index("</tr>")]
    assert server.process.poll() is None
    log = server.log()
    assert "remittances: 2 file(s) applied, 6 claim(s), 1 not in the worklist" in log
    for secret in ("JONES", "MARY", "C1014", "Z9001", "C2001", "PCN"):
        assert secret not in log, secret


def test_a_reversal_and_its_correction_in_a_later_file_are_applied_in_order(served):
    _reports, inbox, _server, alice = served
    later = remittance(REVERSAL_C2005, CORRECTED_C2005, REVERSAL_C2006, check="EFT0002", paid_on="20260927")
    write(inbox, later, "era2.835")
    page = wait_for(alice, "/denials", 'data-claim="C2006"')
    corrected, reversed_ = row_of(page, "C2005"), row_of(page, "C2006")
    assert "partial" in corrected and "$40.00" in corrected and "PCN2005B" in corrected and "CO-16" in corrected
    assert "reversed" in reversed_ and "2026-09-27" in reversed_
    claim = page_of(alice, "C2005")
    history = claim[claim.index('data-test="history"') :]
    # Newest first: paid by the first file, back to the denial queue by the correction (the reversal was applied
    # before it, in the same file).
    assert history.index("Paid → Denied by the payer (remittance: paid $60.00, denied $40.00") < history.index(
        "Open → Paid (remittance: paid $100.00 of $200.00 on 2026-09-20"
    )
    assert claim.count("<td>2026-09-27</td>") == 2 and claim.count("<td>2026-09-20</td>") == 1


def test_a_file_read_again_under_another_name_changes_nothing(served):
    reports, inbox, _server, alice = served
    engine = connect(default_url(reports))
    with engine.connect() as db:
        before = db.execute(select(func.count()).select_from(remit_claims)).scalar()
    shutil.copy(inbox / "era1.835", inbox / "era1-copy.835")
    (inbox / "era1.835").touch()
    # A new file beside them, to know when the import that sees all three is done.
    write(inbox, remittance(["CLP*Z9002*1*50.00*50.00*0*MB*PCN9002", "SVC*HC:99211*50.00*50.00"]), "era3.835")
    wait_for(alice, "/remittances", 'data-claim="Z9002"')
    with engine.connect() as db:
        assert db.execute(select(func.count()).select_from(remit_claims)).scalar() == before + 1
        assert sorted(db.execute(select(remittances.c.file)).scalars()) == [
            "era-broken.txt", "era1.835", "era2.835", "era3.835"]  # fmt: skip
    assert '<dd data-test="status">Paid</dd>' in page_of(alice, "C1008")


def test_working_a_denial_counts_on_todays_progress(served):
    alice = served[3]
    pk = claim_pk(alice, "C2001")
    form = {"status": "pended", "reason": "appeal sent with the LCD's documentation", "until": "2026-12-31"}
    assert alice.post(f"/claims/{pk}/status", form)[0] == 303
    page = alice.get("/progress")[2]
    person = page[page.index('<tr data-person="alice">') :]
    assert '<td class="num" data-test="denials-worked">1</td>' in person[: person.index("</tr>")]
    assert 'data-claim="C2001"' not in alice.get("/denials")[2]


def test_which_adjustments_are_denials(tmp_path):
    """CO-45, CO-253, CO-59, PR-1/2/3 and CR are no denial; CO-50, OA-18, PI-204 and PR-204 are."""
    lines = [
        ("45", "CO", False), ("253", "CO", False), ("59", "CO", False), ("1", "PR", False), ("2", "PR", False),
        ("3", "PR", False), ("50", "CO", True), ("18", "OA", True), ("204", "PI", True), ("204", "PR", True),
        ("45", "CR", False),
    ]  # fmt: skip
    claims = [
        [f"CLP*D{n}*1*100.00*90.00*0*MB*P{n}", "SVC*HC:99213*100.00*90.00", f"CAS*{group}*{carc}*10.00"]
        for n, (carc, group, _) in enumerate(lines)
    ]
    read = read_835(write(tmp_path, remittance(*claims)))
    outcomes = per_claim(read, code_texts()).sort("claim_position")["outcome"].to_list()
    assert outcomes == ["partial" if denial else "paid" for _, _, denial in lines]
