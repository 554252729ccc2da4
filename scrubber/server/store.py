"""The worklist's database: one schema in SQLAlchemy Core, SQLite by default, PostgreSQL by URL.

SQLite's file sits beside the reports, owner-only (0600) since it names patients and claims, in
WAL mode so that pages read while a status change or a nightly import writes.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.engine import make_url

DB_FILE = "worklist.sqlite3"
STATUSES = ("open", "in_progress", "pended", "fixed", "sent", "written_off", "denied", "paid")
STATUS_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "pended": "Pended",
    "fixed": "Fixed",
    "sent": "Sent",
    "written_off": "Written off",
    "denied": "Denied by the payer",
    "paid": "Paid",
}
WORKING = ("open", "in_progress", "pended")  # still someone's work
CLEARED = ("fixed", "sent", "written_off")  # what the day's progress counts
# Set by a remittance: `denied` is the denial queue (work it by moving it on: sent again, appealed as
# pended, written off); `paid` closes the claim. A nightly run sends neither to `sent` or `fixed`.
DENIED, PAID = "denied", "paid"
QUEUES = ("coder", "biller")

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("active", Boolean, nullable=False),  # a removed account keeps its name in the history, and cannot log in
    # Signed cookies cannot be taken back one by one: raising the number ends every session of the account.
    Column("session_epoch", Integer, nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("folder", String(300), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("signature", String(64), nullable=False),  # sha256 of summary.json: a rewritten run imports again
    Column("imported_at", DateTime, nullable=False),
    Column("claims_total", Integer, nullable=False),
    Column("claims_flagged", Integer, nullable=False),
    Column("claims_new", Integer, nullable=False),
    Column("claims_reopened", Integer, nullable=False),
    Column("claims_clean", Integer, nullable=False),  # in the batch again with no finding: fixed
    Column("claims_sent", Integer, nullable=False),  # no longer in the batch: sent
)

claims = Table(
    "claims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("claim_id", String(100), nullable=False),
    Column("payer_id", String(100), nullable=False),
    Column("patient_id", String(100)),
    Column("member_id", String(100)),
    Column("service_from", Date),
    Column("service_to", Date),
    Column("dollars", Numeric(14, 2)),  # the claim's line charges in the run that last flagged it
    Column("needs_coder", Boolean, nullable=False),
    Column("needs_biller", Boolean, nullable=False),
    Column("has_error", Boolean, nullable=False),
    Column("findings_count", Integer, nullable=False),
    Column("top_rule", String(50)),
    Column("top_message", Text),
    Column("status", String(20), nullable=False),
    Column("pend_reason", Text),
    Column("pend_until", Date),
    Column("owner_id", Integer, ForeignKey("users.id")),
    Column("first_flagged", Date, nullable=False),  # as_of of the run that first flagged it
    Column("last_flagged", Date, nullable=False),
    Column("nights_flagged", Integer, nullable=False),
    Column("reopened", Boolean, nullable=False),  # fired again after it was fixed or sent
    Column("in_batch", Boolean, nullable=False),  # in the latest imported run's batch
    Column("updated_at", DateTime, nullable=False),
    Column("digest", String(40)),  # fingerprint of the findings and lines kept: unchanged ones are not rewritten
    Column("deadline", Date),  # the timely-filing deadline the fix list orders by (null: the payer has no profile)
    # The latest remittance applied to the claim (its row in remit_claims), and what it said.
    Column("last_remit", Integer),
    Column("remit_outcome", String(20)),  # paid, denied, partial, reversed
    Column("remit_date", Date),
    Column("remit_paid", Numeric(14, 2)),
    Column("remit_denied", Numeric(14, 2)),
    UniqueConstraint("claim_id", "payer_id", name="uq_claim_payer"),
    Index("ix_claims_status", "status"),
    Index("ix_claims_owner", "owner_id", "status"),
    Index("ix_claims_payer", "payer_id", "status"),
    Index("ix_claims_order", "service_from", "dollars"),
    Index("ix_claims_deadline", "deadline", "dollars"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("claim", Integer, ForeignKey("claims.id"), nullable=False, index=True),
    Column("run", Integer, ForeignKey("runs.id"), nullable=False),
    Column("line_number", Integer),
    Column("rule_id", String(50), nullable=False),
    Column("category", String(50)),
    Column("severity", String(20)),
    Column("queue", String(20)),
    Column("message", Text),
    Column("fix", Text),
    Column("denial_code", String(50)),
    Column("remark_codes", String(200)),
)

lines = Table(
    "lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("claim", Integer, ForeignKey("claims.id"), nullable=False, index=True),
    Column("line_number", Integer),
    Column("procedure_code", String(20)),
    Column("modifiers", String(50)),
    Column("units", Numeric(12, 3)),
    Column("charge", Numeric(14, 2)),
    Column("service_date", Date),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("claim", Integer, ForeignKey("claims.id"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),  # null: the nightly import
    Column("run", Integer, ForeignKey("runs.id")),
    Column("what", String(20), nullable=False),  # status, owner, note
    Column("old", Text),
    Column("new", Text),
    Column("detail", Text),  # a pend reason, a note's text, why an import changed the status
    Column("dollars", Numeric(14, 2)),  # the claim's dollars when its status changed: the day's progress sums them
    Index("ix_events_claim", "claim", "at"),
    Index("ix_events_at", "at", "what"),
)


remittances = Table(
    "remittances",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file", String(300), nullable=False),
    Column("fingerprint", String(64), nullable=False, unique=True),  # sha256 of the file: each file is applied once
    Column("imported_at", DateTime, nullable=False),
    Column("payment_date", Date),
    Column("payer", String(100)),
    Column("claims_total", Integer, nullable=False),
    Column("claims_paid", Integer, nullable=False),
    Column("claims_denied", Integer, nullable=False),  # denied in full or in part
    Column("claims_reversed", Integer, nullable=False),
    Column("claims_unknown", Integer, nullable=False),  # claim ids the worklist does not hold
    Column("problems", Integer, nullable=False),
    Column("problem_text", Text),  # what the reader found wrong, one line each (segment and position)
)

remit_claims = Table(
    "remit_claims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("remittance", Integer, ForeignKey("remittances.id"), nullable=False, index=True),
    Column("claim", Integer, ForeignKey("claims.id"), index=True),  # null: a claim the worklist does not hold
    Column("claim_id", String(100)),
    Column("payer_id", String(100)),
    Column("payer_name", String(100)),
    Column("position", Integer, nullable=False),  # the CLP's segment in its file
    Column("payment_date", Date),
    Column("check_number", String(50)),
    Column("status_code", String(5)),
    Column("outcome", String(20), nullable=False),  # paid, denied, partial, reversed
    Column("charge", Numeric(14, 2)),
    Column("paid", Numeric(14, 2)),
    Column("denied", Numeric(14, 2)),
    Column("patient_responsibility", Numeric(14, 2)),
    Column("payer_claim_number", String(50)),
    Column("carcs", String(300)),  # the denying adjustments, e.g. "CO-50 (line 1)"
    Column("carc_text", Text),
    Column("remarks", String(300)),
    Column("remark_text", Text),
    Column("adjustments", Text),  # every adjustment, denying or not, e.g. "CO-45 30.00; PR-1 40.00"
)


def default_url(reports: Path) -> str:
    return f"sqlite:///{(Path(reports) / DB_FILE).resolve()}"


def connect(url: str) -> Engine:
    """The engine for URL, with its tables created; a SQLite file is made owner-only before first use."""
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and parsed.database not in (None, "", ":memory:"):
        _owner_only(Path(parsed.database))
    engine = create_engine(url, future=True)
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine)
    _add_new_columns(engine)
    return engine


def _add_new_columns(engine: Engine) -> None:
    """A database made by an earlier version gains the columns added since (all nullable)."""
    present = {c["name"] for c in inspect(engine).get_columns(claims.name)}
    with engine.begin() as db:
        for column in claims.columns:
            if column.name not in present:
                kind = column.type.compile(dialect=engine.dialect)
                db.exec_driver_sql(f"ALTER TABLE {claims.name} ADD COLUMN {column.name} {kind}")


def _owner_only(path: Path) -> None:
    """Create the file 0600 (never readable by the group, even for a moment) and tighten an existing one.

    SQLite gives its -wal and -shm files the database file's mode.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    os.chmod(path, 0o600)


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")  # a change waits for the nightly import's commit instead of failing
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode; a power cut loses at most the last commit
    cursor.close()


# Rows moved as whole frames: the nightly import's and the remittances'.
CHUNK = 5000  # rows per executemany and ids per IN list: within SQLite's and PostgreSQL's parameter limits


def claim_ids(db, *more) -> pl.DataFrame:
    """Every claim's database id and key (and the columns asked for): a few MB at 50,000 claims."""
    columns = [claims.c.id, claims.c.claim_id, claims.c.payer_id, *more]
    types = {"id": pl.Int64, "dollars": pl.Float64, "in_batch": pl.Boolean}
    return pl.DataFrame(
        db.execute(select(*columns)).all(),
        schema={c.name: types.get(c.name, pl.String) for c in columns},
        orient="row",
    )


def insert_frame(db, table, frame: pl.DataFrame) -> None:
    marks = ", ".join("?" for _ in frame.columns)
    execute_many(db, f"INSERT INTO {table.name} ({', '.join(frame.columns)}) VALUES ({marks})", frame)


def execute_many(db, sql: str, frame: pl.DataFrame) -> None:
    """Many rows straight through the driver's executemany.

    At 50,000 claims SQLAlchemy's work per row (parameter names, type processing) costs several
    times what the database does, so the rows go as plain tuples, in the form each database
    stores: SQLite keeps dates as the text SQLAlchemy itself writes; other drivers take Python dates.
    """
    if frame.is_empty():
        return
    if db.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")  # psycopg and most other drivers
    frame = frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))
    if db.dialect.name == "sqlite":
        frame = frame.with_columns(
            pl.col(pl.Date).dt.strftime("%Y-%m-%d"), pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M:%S.%6f")
        )
    for start in range(0, frame.height, CHUNK):
        db.exec_driver_sql(sql, frame.slice(start, CHUNK).rows())
