"""The worklist server as its tests run it: nightly runs in a reports folder, accounts, a live server, a client.

The server is a real `scrubber serve` process on a free local port, started by the test that needs
it and stopped after; the client speaks plain HTTP with a cookie jar, as a browser would.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import polars as pl

from tests.conftest import REPO, scrub_demo

PASSWORDS = {"alice": "alice-biller-2026", "bob": "bob-coder-2026", "carol": "carol-temp-2026"}


def press(page, button: str, exact: bool = False) -> None:
    """Press a form's button and wait for the page the server answers with: a reload or the next
    action on the page it replaces would race the navigation."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=exact).click()


def demo_run(reports: Path, folder: str = "2026-09-14") -> Path:
    """`scrubber demo` written into REPORTS/FOLDER: the first night."""
    return scrub_demo(reports / folder)


def next_night(run: Path, folder: Path, as_of: dt.date, clean=(), gone=()) -> Path:
    """The next night's run, from RUN's files: CLEAN claims are in the batch again with no finding, GONE ones
    are no longer in the batch; every other claim comes out as it did."""
    folder.mkdir(parents=True)
    findings = pl.read_parquet(run / "findings.parquet")
    findings.filter(~pl.col("claim_id").is_in([*clean, *gone]).fill_null(False)).write_parquet(
        folder / "findings.parquet"
    )
    billed = pl.read_parquet(run / "billed_lines.parquet")
    billed.filter(~pl.col("claim_id").is_in(list(gone))).write_parquet(folder / "billed_lines.parquet")
    summary = json.loads((run / "summary.json").read_text())
    summary["as_of"] = as_of.isoformat()
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def copy_run(run: Path, folder: Path, as_of: dt.date) -> Path:
    """RUN again on another night, every claim as it was."""
    return next_night(run, folder, as_of)


def add_user(reports: Path, name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scrubber", "users", "add", name, "--reports", str(reports)],
        input=PASSWORDS[name] + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`scrubber serve` on REPORTS in its own process; its log (stderr) is kept for reading."""

    def __init__(self, reports: Path, log: Path, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        command = [sys.executable, "-m", "scrubber", "serve", "--reports", str(reports), "--port", str(self.port)]
        with open(log, "wb") as sink:
            self.process = subprocess.Popen([*command, "--check-every", "0", *args], stderr=sink, cwd=REPO)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"the server did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test reads the redirect itself


class Client:
    """A browser without a screen: a cookie jar, no redirects followed, the CSRF token read from each page."""

    def __init__(self, server: Server):
        self.server = server
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())
        self.csrf = None

    def request(self, method: str, path: str, form: dict | None = None):
        data = urllib.parse.urlencode(form or {}, doseq=True).encode() if method == "POST" else None
        request = urllib.request.Request(self.server.url + path, data=data, method=method)
        try:
            with self.opener.open(request, timeout=60) as response:
                status, headers, body = response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as answer:
            status, headers, body = answer.code, answer.headers, answer.read().decode()
        if token := re.search(r'name="csrf_token" value="([^"]+)"', body):
            self.csrf = token.group(1)
        return status, headers, body

    def copy(self) -> Client:
        """Another client holding this one's session cookie, as a stolen or second-device copy would."""
        other = Client(self.server)
        for cookie in self.cookies:
            other.cookies.set_cookie(cookie)
        other.csrf = self.csrf
        return other

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, form: dict | None = None, csrf: bool = True):
        return self.request("POST", path, {**(form or {}), **({"csrf_token": self.csrf} if csrf else {})})

    def login(self, name: str) -> Client:
        self.get("/login")
        status, headers, _ = self.post("/login", {"name": name, "password": PASSWORDS[name]})
        assert status == 303 and headers["Location"].endswith("/"), status
        self.get("/")
        return self


def claim_pk(client: Client, claim_id: str) -> int:
    """The claim's page number, found as a biller finds it: by its id in the search box."""
    status, headers, _ = client.post("/search", {"claim_id": claim_id})
    assert status == 303 and headers["Location"].startswith("/claims/"), (status, headers["Location"])
    return int(headers["Location"].rsplit("/", 1)[1])


def wait_for(client: Client, path: str, text: str, seconds: float = 60) -> str:
    """The page once it shows TEXT: a new run is imported in the background, after the page that found it."""
    deadline = time.monotonic() + seconds
    while True:
        page = client.get(path)[2]
        if text in page or time.monotonic() > deadline:
            return page
        time.sleep(0.2)


def fresh_reports(tmp_path: Path, first_night: Path) -> Path:
    """A reports folder holding a copy of the first night's run."""
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copytree(first_night, reports / first_night.name)
    return reports


def scaled_run(run: Path, folder: Path, claims: int) -> Path:
    """RUN's flagged claims copied under new claim ids (C1008-17) until the night flags CLAIMS claims,
    each copy with its own findings and lines; the summary is RUN's."""
    findings = pl.read_parquet(run / "findings.parquet").filter(pl.col("claim_id").is_not_null())
    per_copy = findings["claim_id"].n_unique()
    copies = pl.DataFrame({"copy": range(-(-claims // per_copy))}, schema={"copy": pl.Int64})

    def copied(frame: pl.DataFrame) -> pl.DataFrame:
        renamed = pl.col("claim_id") + "-" + pl.col("copy").cast(pl.String)
        return frame.join(copies, how="cross").with_columns(renamed.alias("claim_id")).drop("copy")

    flagged = copied(findings)
    keep = flagged.select(pl.col("claim_id").unique(maintain_order=True).head(claims))
    folder.mkdir(parents=True)
    flagged.join(keep, on="claim_id", how="semi").write_parquet(folder / "findings.parquet")
    copied(pl.read_parquet(run / "billed_lines.parquet")).write_parquet(folder / "billed_lines.parquet")
    shutil.copy(run / "summary.json", folder / "summary.json")
    return folder


# Payers' answers to demo claims, as CLP loops for tests.test_remit_835.remittance (payer AETNA, 60054).
# C1008 paid: the fee schedule cut (CO-45), sequestration (CO-253) and the deductible (PR-1) are no denial.
PAID = [
    "CLP*C1008*1*200.00*126.00*40.00*MB*PCN1008",
    "SVC*HC:99213*200.00*126.00**1", "DTM*472*20260902", "CAS*CO*45*31.40**253*2.60", "CAS*PR*1*40.00",
]  # fmt: skip
# C2001 denied: not medically necessary under an LCD, with a claim remark (MOA) and a line remark (LQ).
DENIED = [
    "CLP*C2001*4*180.00*0*0*MB*PCN2001", "MOA***MA01",
    "SVC*HC:99214*180.00*0**1", "DTM*472*20260903", "CAS*CO*50*180.00", "LQ*HE*N115",
]  # fmt: skip
# C2003 paid in part: the visit is paid, the second line is bundled into it (CO-97, M15).
PARTIAL = [
    "CLP*C2003*1*230.00*90.00*0*MB*PCN2003",
    "SVC*HC:99213*150.00*90.00**1", "DTM*472*20260904", "CAS*CO*45*60.00",
    "SVC*HC:36415*80.00*0**1", "DTM*472*20260904", "CAS*CO*97*80.00", "LQ*HE*M15",
]  # fmt: skip


def remittance_server(root: Path, *answers: list[str], more: dict[str, str] | None = None) -> tuple[Path, Path, Server]:
    """The demo run served with an inbox of 835s: era1.835 answering with these CLP loops, and more files by name."""
    from tests.test_remit_835 import remittance, write

    reports, inbox = root / "reports", root / "remittances"
    demo_run(reports)
    add_user(reports, "alice")
    inbox.mkdir()
    write(inbox, remittance(*answers, paid_on="20260920"), "era1.835")
    for name, text in (more or {}).items():
        write(inbox, text, name)
    return reports, inbox, Server(reports, root / "server.log", "--remittances", str(inbox))
