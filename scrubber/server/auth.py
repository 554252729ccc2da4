"""Accounts, passwords and CSRF tokens.

Passwords are hashed with scrypt from Python's standard library: memory-hard (each guess costs
128 MiB here, at OWASP's recommended N=2^17, r=8, p=1), so a stolen database resists GPU
cracking, and it adds no compiled dependency to install on a billing company's server. The
stored text names its parameters, so they can be raised later without breaking old accounts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import Engine, insert, select, update

from scrubber.server.store import settings, users

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
SESSION_SECRET = "session_secret"
MIN_PASSWORD = 10


class AccountError(ValueError):
    """An account that cannot be created as asked."""


def hash_password(password: str, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, n, r, p)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    expected = base64.b64decode(digest)
    return hmac.compare_digest(_scrypt(password, base64.b64decode(salt), int(n), int(r), int(p)), expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # maxmem above the 128 * n * r bytes scrypt needs; OpenSSL's default (32 MiB) refuses N=2^17.
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# Checked against when a name is unknown, so a login takes as long for a wrong name as for a wrong password.
_NO_SUCH_USER = hash_password(secrets.token_urlsafe(16))


def add_user(engine: Engine, name: str, password: str) -> None:
    name = name.strip()
    if not name or len(name) > 100:
        raise AccountError("a user name is 1 to 100 characters")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password is at least {MIN_PASSWORD} characters")
    with engine.begin() as db:
        if db.execute(select(users.c.id).where(users.c.name == name)).first():
            raise AccountError(f"user {name!r} already exists")
        row = {"name": name, "password_hash": hash_password(password), "created_at": _now()}
        db.execute(insert(users).values(**row, active=True, session_epoch=0))


def remove_user(engine: Engine, name: str) -> None:
    """The account can no longer log in and its open sessions end; its name stays in the claims' history."""
    with engine.begin() as db:
        ended = db.execute(
            update(users)
            .where(users.c.name == name.strip(), users.c.active)
            .values(active=False, session_epoch=users.c.session_epoch + 1)
        )
        if ended.rowcount == 0:
            raise AccountError(f"no user {name!r}")


def end_sessions(engine: Engine, user: int) -> None:
    """Log the account out everywhere: every cookie signed for it before now stops working."""
    with engine.begin() as db:
        db.execute(update(users).where(users.c.id == user).values(session_epoch=users.c.session_epoch + 1))


def user_names(engine: Engine) -> list[str]:
    with engine.connect() as db:
        return list(db.execute(select(users.c.name).where(users.c.active).order_by(users.c.name)).scalars())


def check_login(engine: Engine, name: str, password: str):
    """The account (id, session_epoch) when NAME and PASSWORD match an active one; None otherwise."""
    query = select(users.c.id, users.c.session_epoch, users.c.password_hash)
    with engine.connect() as db:
        row = db.execute(query.where(users.c.name == name.strip(), users.c.active)).first()
    if row is None:
        verify_password(password, _NO_SUCH_USER)
        return None
    return row if verify_password(password, row.password_hash) else None


def session_secret(engine: Engine) -> str:
    """The key that signs session cookies: made once and kept in the database, so a restart keeps everyone logged in."""
    with engine.begin() as db:
        value = db.execute(select(settings.c.value).where(settings.c.key == SESSION_SECRET)).scalar()
        if value is None:
            value = secrets.token_urlsafe(48)
            db.execute(insert(settings).values(key=SESSION_SECRET, value=value))
    return value


def csrf_token(session) -> str:
    """The session's CSRF token, made on first use; every form carries it and every change checks it."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok(session, sent: str | None) -> bool:
    return bool(sent) and "csrf" in session and hmac.compare_digest(session["csrf"], sent)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
