"""Nightly runs into the worklist: state follows each claim (claim id and payer) from night to night.

The first night is the demo run; later nights are that run's own files with claims cleaned up or gone.
"""

from __future__ import annotations

import datetime as dt
import os

import polars as pl
import pytest
from sqlalchemy import create_engine, select

from scrubber.server import claims as work
from scrubber.server.auth import add_user
from scrubber.server.remits import import_remittances
from scrubber.server.runs import RunWatcher
from scrubber.server.store import claims, connect, default_url, events, metadata, runs
from tests.serve_support import DENIED, PAID, demo_run, fresh_reports, next_night
from tests.test_remit_835 import remittance, write

NIGHT_1 = dt.date(2026, 9, 14)
NIGHT_2 = dt.date(2026, 9, 15)


@pytest.fixture(scope="session")
def first_night(tmp_path_factory):
    return demo_run(tmp_path_factory.mktemp("serve-import"))


@pytest.fixture
def team(tmp_path, first_night):
    """The reports folder after the first night, its database with that night imported, and one biller.

    SCRUBBER_TEST_DATABASE_URL runs them on another database (e.g. an empty PostgreSQL one) instead of SQLite.
    """
    reports = fresh_reports(tmp_path, first_night)
    url = os.environ.get("SCRUBBER_TEST_DATABASE_URL")
    if url:
        metadata.drop_all(create_engine(url))
    engine = connect(url or default_url(reports))
    add_user(engine, "alice", "alice-biller-2026")
    watcher = RunWatcher(engine, reports, every=0)
    watcher.check()
    with engine.connect() as db:
        alice = db.execute(select(work.users.c.id)).scalar()
    return reports, engine, watcher, alice


def claim(engine, claim_id: str) -> dict:
    with engine.connect() as db:
        return dict(db.execute(select(claims).where(claims.c.claim_id == claim_id)).mappings().one())


def last_event(engine, claim_id: str) -> dict:
    pk = claim(engine, claim_id)["id"]
    with engine.connect() as db:
        query = select(events).where(events.c.claim == pk).order_by(events.c.id.desc()).limit(1)
        return dict(db.execute(query).mappings().one())


def tonight(reports, first_night, watcher, clean=(), gone=(), as_of=NIGHT_2):
    next_night(first_night, reports / as_of.isoformat(), as_of, clean=clean, gone=gone)
    return watcher.check()


def test_the_first_night_opens_each_flagged_claim_once_unowned_with_its_dollars_and_queues(team, first_night):
    _reports, engine, _watcher, _alice = team
    found = pl.read_parquet(first_night / "findings.parquet").filter(pl.col("claim_id").is_not_null())
    with engine.connect() as db:
        rows = db.execute(select(claims.c.claim_id, claims.c.status, claims.c.owner_id)).all()
    assert sorted(r.claim_id for r in rows) == sorted(found["claim_id"].unique())
    assert {(r.status, r.owner_id) for r in rows} == {("open", None)}
    # C3005: BCBS of Texas, 97110 with no coverage on its date; two lines, $170 together.
    bcbs = claim(engine, "C3005")
    assert (bcbs["payer_id"], float(bcbs["dollars"]), bcbs["needs_biller"], bcbs["needs_coder"]) == (
        "BCBS_TX",
        170.0,
        True,
        False,
    )
    assert claim(engine, "C2001")["needs_coder"]  # an external-cause code listed first is the coder's


def test_a_claim_fixed_yesterday_that_fires_again_tonight_reopens_and_says_so(team, first_night):
    reports, engine, watcher, alice = team
    work.set_status(engine, claim(engine, "C1008")["id"], alice, "fixed")
    [imported] = tonight(reports, first_night, watcher)
    assert imported.reopened == 1
    reopened = claim(engine, "C1008")
    assert (reopened["status"], reopened["reopened"], reopened["nights_flagged"]) == ("open", True, 2)
    said = last_event(engine, "C1008")
    assert (said["user_id"], said["old"], said["new"]) == (None, "fixed", "open")
    assert said["detail"] == "fired again in the run of 2026-09-15"


def test_a_claim_that_left_the_batch_is_sent_not_fixed(team, first_night):
    reports, engine, watcher, alice = team
    work.set_status(engine, claim(engine, "C3001")["id"], alice, "fixed")  # fixed in the PM system, then billed
    [imported] = tonight(reports, first_night, watcher, gone=["C3005", "C3001"])
    assert imported.sent == 2
    for claim_id in ("C3005", "C3001"):
        gone = claim(engine, claim_id)
        assert (gone["status"], gone["in_batch"]) == ("sent", False)
        assert last_event(engine, claim_id)["detail"] == "not in the batch of the run of 2026-09-15"


def test_a_claim_in_tonights_batch_without_a_finding_was_fixed(team, first_night):
    reports, engine, watcher, _alice = team
    [imported] = tonight(reports, first_night, watcher, clean=["C2001"])
    assert imported.clean == 1
    assert claim(engine, "C2001")["status"] == "fixed"
    assert last_event(engine, "C2001")["detail"] == "in the batch of the run of 2026-09-15 with no finding"


def test_owner_pend_and_notes_carry_to_the_next_night(team, first_night):
    reports, engine, watcher, alice = team
    pk = claim(engine, "C3008")["id"]
    work.assign(engine, [pk], alice, alice)
    work.set_status(engine, pk, alice, "pended", "waiting on UHC's portal for the referral", "2026-09-20")
    work.add_note(engine, pk, alice, "Called UHC, ref 4471")
    tonight(reports, first_night, watcher)
    kept = claim(engine, "C3008")
    assert (kept["owner_id"], kept["status"], kept["pend_until"], kept["nights_flagged"]) == (
        alice,
        "pended",
        dt.date(2026, 9, 20),
        2,
    )
    history = work.claim_page(engine, pk)["history"]
    assert [e["detail"] for e in history if e["what"] == "note"] == ["Called UHC, ref 4471"]


def test_a_sent_claim_back_in_the_batch_with_a_finding_reopens_and_a_written_off_one_stays_written_off(
    team, first_night
):
    reports, engine, watcher, alice = team
    work.set_status(engine, claim(engine, "C3006")["id"], alice, "written_off")  # past Aetna's 90 days
    tonight(reports, first_night, watcher, gone=["C3005"])
    assert claim(engine, "C3005")["status"] == "sent"
    tonight(reports, first_night, watcher, as_of=NIGHT_2 + dt.timedelta(days=1))
    assert (claim(engine, "C3005")["status"], claim(engine, "C3005")["reopened"]) == ("open", True)
    assert claim(engine, "C3006")["status"] == "written_off"


def test_a_run_is_imported_once_and_an_older_run_never(team, first_night):
    reports, engine, watcher, _alice = team
    tonight(reports, first_night, watcher)
    assert watcher.check() == []
    assert tonight(reports, first_night, watcher, as_of=NIGHT_1 - dt.timedelta(days=1)) == []
    with engine.connect() as db:
        assert db.execute(select(runs.c.as_of).order_by(runs.c.id)).scalars().all() == [NIGHT_1, NIGHT_2]


def test_a_pend_needs_a_reason_and_a_date(team):
    _reports, engine, _watcher, alice = team
    pk = claim(engine, "C3008")["id"]
    with pytest.raises(work.ChangeError, match="reason"):
        work.set_status(engine, pk, alice, "pended", "  ", "2026-09-20")
    with pytest.raises(work.ChangeError, match="date"):
        work.set_status(engine, pk, alice, "pended", "waiting on the payer", "")
    assert claim(engine, "C3008")["status"] == "open"


def test_open_claims_are_listed_by_days_left_to_file_as_the_fix_list_orders_them(team):
    _reports, engine, _watcher, alice = team
    # The payers' limits from their profiles, from the first date of service: Aetna 90 days, Medicare 12 months.
    assert claim(engine, "C1008")["deadline"] == dt.date(2026, 12, 1)  # seen 2026-09-02
    assert claim(engine, "C2001")["deadline"] == dt.date(2027, 8, 31)  # seen 2026-08-31
    rows = work.worklist(engine, work.Filters(), alice)["rows"]
    assert work.Filters().sort == "deadline" and len(rows) == 99  # every claim the demo run flags
    # Those that can still be filed, closest deadline first (a payer without profile after them), then those past
    # their deadline, most dollars first: against today's date, as the list is read today.
    today = dt.date.today()
    on_time = [r for r in rows if r["deadline"] is None or r["deadline"] >= today]
    past = rows[len(on_time) :]
    assert all(r["deadline"] is not None and r["deadline"] < today for r in past)
    dated = [r["deadline"] for r in on_time if r["deadline"] is not None]
    assert dated == sorted(dated) and on_time[: len(dated)] == [r for r in on_time if r["deadline"] is not None]
    assert [r["dollars"] or 0 for r in past] == sorted((r["dollars"] or 0 for r in past), reverse=True)


def test_a_denial_being_worked_stays_with_its_biller_when_the_next_nights_run_does_not_hold_it(
    team, first_night, tmp_path
):
    reports, engine, watcher, alice = team
    next_night(first_night, reports / "2026-09-15", dt.date(2026, 9, 15), gone=["C2001"])
    watcher.check()
    assert claim(engine, "C2001")["status"] == "sent"  # it went out
    inbox = tmp_path / "remittances"
    inbox.mkdir()
    write(inbox, remittance(DENIED), "era.835")
    import_remittances(engine, inbox)
    assert (claim(engine, "C2001")["status"], claim(engine, "C2001")["reopened"]) == ("denied", True)
    work.set_status(engine, claim(engine, "C2001")["id"], alice, "in_progress")
    next_night(first_night, reports / "2026-09-16", dt.date(2026, 9, 16), gone=["C2001"])
    watcher.check()
    assert claim(engine, "C2001")["status"] == "in_progress"  # not "sent" again: it left the batch long ago


def test_a_paid_claim_billed_again_with_a_finding_opens_again(team, first_night, tmp_path):
    reports, engine, watcher, _alice = team
    inbox = tmp_path / "remittances"
    inbox.mkdir()
    write(inbox, remittance(PAID), "era.835")
    import_remittances(engine, inbox)
    assert claim(engine, "C1008")["status"] == "paid"
    next_night(first_night, reports / "2026-09-15", dt.date(2026, 9, 15))
    watcher.check()
    assert (claim(engine, "C1008")["status"], claim(engine, "C1008")["reopened"]) == ("open", True)
