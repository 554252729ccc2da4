"""The worklist server over HTTP, as a browser and an attacker's page would reach it.

One `scrubber serve` process for the module, on the demo run, with two accounts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import stat
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from scrubber.server.store import DB_FILE, claims, connect, default_url
from tests.conftest import REPO
from tests.serve_support import PASSWORDS, Client, Server, add_user, claim_pk, demo_run, next_night, wait_for


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    reports = tmp_path_factory.mktemp("serve-http") / "reports"
    first = demo_run(reports)
    for name in ("alice", "bob", "carol"):
        add_user(reports, name)
    server = Server(reports, reports.parent / "server.log")
    yield reports, first, server
    server.stop()


def status_of(reports: Path, claim_id: str) -> str:
    with connect(default_url(reports)).connect() as db:
        return db.execute(select(claims.c.status).where(claims.c.claim_id == claim_id)).scalar_one()


@pytest.mark.parametrize("path", ["/", "/claims/1", "/progress", "/?view=mine"])
def test_a_page_without_a_session_sends_to_the_login(served, path):
    status, headers, body = Client(served[2]).get(path)
    assert (status, headers["Location"]) == (302, "/login")
    assert "C1008" not in body


def test_a_change_without_a_session_is_refused(served):
    reports, _first, server = served
    stranger = Client(server)
    stranger.get("/login")  # a session with a CSRF token, but nobody logged in
    assert stranger.post("/claims/1/status", {"status": "fixed"})[0] == 403
    assert Client(server).post("/claims/1/status", {"status": "fixed"}, csrf=False)[0] == 403
    assert Client(server).post("/assign", {"claim": ["1", "2"], "owner": "1"}, csrf=False)[0] == 403
    assert status_of(reports, "C1024") == "open"  # claim 1: the first the demo run flags


def test_a_change_without_the_sessions_csrf_token_is_refused(served):
    reports, _first, server = served
    alice, bob = Client(server).login("alice"), Client(server).login("bob")
    pk = claim_pk(alice, "C1008")
    assert alice.post(f"/claims/{pk}/status", {"status": "in_progress"}, csrf=False)[0] == 403
    # A token from another session (bob's page) is no good in alice's.
    stolen = {"status": "in_progress", "csrf_token": bob.csrf}
    assert alice.request("POST", f"/claims/{pk}/status", stolen)[0] == 403
    assert status_of(reports, "C1008") == "open"
    assert alice.post(f"/claims/{pk}/status", {"status": "in_progress"})[0] == 303
    assert status_of(reports, "C1008") == "in_progress"


def test_a_wrong_password_logs_nobody_in(served):
    client = Client(served[2])
    client.get("/login")
    status, headers, _ = client.post("/login", {"name": "alice", "password": "alice-biller-2025"})
    assert (status, headers["Location"]) == (303, "/login")
    assert client.get("/")[0] == 302
    assert "Wrong name or password." in client.get("/login")[2]


def test_a_nightly_run_written_while_the_server_runs_shows_up_without_a_restart(served):
    reports, first, server = served
    alice = Client(server).login("alice")
    pk = claim_pk(alice, "C3005")
    assert 'data-test="status">Open' in alice.get(f"/claims/{pk}")[2]
    next_night(first, reports / "2026-09-15", dt.date(2026, 9, 15), gone=["C3005"])
    page = wait_for(alice, f"/claims/{pk}", 'data-test="status">Sent')
    assert "not in the batch of the run of 2026-09-15" in page
    assert "<td>2026-09-15</td>" in alice.get("/progress")[2]
    assert server.process.poll() is None  # the same process all along


def test_the_database_file_is_owner_only(served):
    reports = served[0]
    for name in (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm"):
        if (reports / name).exists() or name == DB_FILE:
            assert stat.S_IMODE((reports / name).stat().st_mode) == 0o600, name


def test_the_log_names_routes_never_claim_or_patient_ids_or_query_strings(served):
    _reports, first, server = served
    alice = Client(server).login("alice")
    pk = claim_pk(alice, "C2001")
    alice.get(f"/claims/{pk}")
    alice.post(f"/claims/{pk}/note", {"note": "Coder to resequence W10.9XXA after the injury code"})
    alice.get("/?payer=MEDICARE&queue=coder")
    log = server.log()
    assert "POST /claims/<int:pk>/note 303" in log and "GET /claims/<int:pk> 200" in log
    billed = pl.read_parquet(first / "billed_lines.parquet")
    ids = set(billed["claim_id"]) | set(billed["patient_id"]) | set(billed["member_id"])
    assert not [i for i in ids if re.search(rf"\b{re.escape(i)}\b", log)]
    assert "MEDICARE" not in log and "W10.9XXA" not in log and f"/claims/{pk}" not in log


def test_every_page_carries_the_static_fix_lists_policy_and_runs_no_script(served):
    alice = Client(served[2]).login("alice")
    _status, headers, body = alice.get("/")
    policy = headers["Content-Security-Policy"]
    style = re.search(r"<style>(.*?)</style>", body, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert policy == (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    assert "<script" not in body
    assert headers["Cache-Control"] == "no-store"


def test_the_session_cookie_is_signed_and_kept_from_scripts(served):
    client = Client(served[2])
    _status, headers, _ = client.get("/login")
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("scrubber_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    forged = Client(served[2])
    value = cookie.split(";")[0].split("=", 1)[1]
    forged.opener.addheaders = [("Cookie", f"scrubber_session={value[:-2]}xx")]
    assert forged.get("/")[0] == 302  # a tampered cookie is no session


def test_the_server_listens_on_this_machine_only_unless_told(served):
    tcp = Path("/proc/net/tcp")
    if not tcp.exists():
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    port = f"{served[2].port:04X}"

    def listening(table: Path) -> list[str]:
        rows = [line.split() for line in table.read_text().splitlines()[1:]] if table.exists() else []
        return [row[1] for row in rows if row[1].endswith(f":{port}") and row[3] == "0A"]  # 0A: LISTEN

    assert listening(tcp) == ["0100007F:" + port]  # 127.0.0.1, little-endian as /proc writes it
    assert listening(Path("/proc/net/tcp6")) == []


def test_logging_out_ends_the_session_in_every_browser(served):
    alice = Client(served[2]).login("alice")
    elsewhere = alice.copy()
    assert elsewhere.get("/")[0] == 200
    assert alice.post("/logout")[0] == 303
    assert elsewhere.get("/")[0] == 302
    assert elsewhere.post("/claims/1/note", {"note": "after logout"})[0] == 403


def test_a_removed_account_is_logged_out_and_cannot_log_in_again(served):
    reports, _first, server = served
    carol = Client(server).login("carol")
    removed = subprocess.run(
        [sys.executable, "-m", "scrubber", "users", "remove", "carol", "--reports", str(reports)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert removed.returncode == 0, removed.stderr
    assert carol.get("/")[0] == 302
    again = Client(server)
    again.get("/login")
    assert again.post("/login", {"name": "carol", "password": PASSWORDS["carol"]})[1]["Location"] == "/login"
    assert again.get("/")[0] == 302
    assert "carol" not in Client(server).login("alice").get("/")[2]  # no longer offered as an owner
