"""Worklist accounts: made on the server's command line, passwords kept only as memory-hard hashes."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select

from scrubber.server.auth import SCRYPT_N, check_login, hash_password, verify_password
from scrubber.server.store import connect, default_url, users
from tests.conftest import REPO


def users_add(reports, name: str, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scrubber", "users", "add", name, "--reports", str(reports)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_an_account_added_from_stdin_logs_in_with_its_password_only(tmp_path):
    added = users_add(tmp_path, "maria", "Tuesday-claims-42\n")
    assert (added.returncode, added.stdout) == (0, "Added maria.\n")
    engine = connect(default_url(tmp_path))
    with engine.connect() as db:
        stored = db.execute(select(users.c.password_hash).where(users.c.name == "maria")).scalar_one()
    assert "Tuesday" not in stored and stored.startswith(f"scrypt${SCRYPT_N}$8$1$")
    assert check_login(engine, "maria", "Tuesday-claims-42") is not None
    assert check_login(engine, "maria", "Tuesday-claims-43") is None
    assert check_login(engine, "nobody", "Tuesday-claims-42") is None
    listed = subprocess.run(
        [sys.executable, "-m", "scrubber", "users", "list", "--reports", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert listed.stdout == "maria\n"


def test_a_short_password_or_a_taken_name_is_refused(tmp_path):
    short = users_add(tmp_path, "maria", "claims\n")
    assert short.returncode != 0 and "at least 10 characters" in short.stderr
    assert users_add(tmp_path, "maria", "Tuesday-claims-42\n").returncode == 0
    again = users_add(tmp_path, "maria", "another-password-7\n")
    assert again.returncode != 0 and "already exists" in again.stderr


def test_the_same_password_hashes_differently_each_time_and_verifies_both_ways():
    first, second = hash_password("Tuesday-claims-42", n=2**10), hash_password("Tuesday-claims-42", n=2**10)
    assert first != second  # a salt of its own per account
    assert verify_password("Tuesday-claims-42", first) and verify_password("Tuesday-claims-42", second)
    assert not verify_password("tuesday-claims-42", first)
    assert not verify_password("Tuesday-claims-42", "plain text from an older tool")
