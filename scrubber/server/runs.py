"""Nightly runs into the worklist's database: each run's flagged claims, and what became of the others.

A claim is one claim id at one payer. A run flags a claim when it has a counted finding. Importing
a run, in as_of order:
- a claim flagged for the first time is open;
- a claim flagged again keeps its owner, status and notes; if it had been fixed or sent it opens
  again, and its history says so;
- a claim still being worked that is in the batch with no finding was fixed (scrubbed clean);
- a claim that is no longer in the batch went out (or was deleted, which a run cannot tell): sent,
  never fixed.
A run older than the newest one imported is not imported (it would turn state back).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, delete, func, insert, select, update

from scrubber import paths
from scrubber.engine.filing import payer_filing_deadline
from scrubber.findings import counting
from scrubber.history import BILLED_LINES
from scrubber.report.cards import payer_table
from scrubber.rulebook.profiles import load_profiles
from scrubber.server.store import (
    CHUNK,
    PAID,
    WORKING,
    claim_ids,
    claims,
    events,
    execute_many,
    findings,
    insert_frame,
    lines,
    runs,
)
from scrubber.summary import SUMMARY, read_summary

LOG = logging.getLogger("scrubber.serve")
KEY = ["claim_id", "payer_id"]


@dataclass(frozen=True)
class RunFolder:
    folder: Path
    as_of: dt.date
    signature: str


@dataclass(frozen=True)
class Imported:
    folder: str
    as_of: dt.date
    flagged: int
    new: int
    reopened: int
    clean: int
    sent: int


class RunWatcher:
    """Imports what is new under reports/ (and in the remittances folder): at start (check), and when a page asks
    (check_soon).

    A page looks at most once every `every` seconds, at the cost of a stat of each run's
    summary.json and of each remittance file; what is new is imported in a thread of its own, so the
    page that found it is not held (at 50,000 claims an import takes seconds). Pages show the state
    before it until it is done, and say that an import is under way. One import at a time; runs
    before remittances, so a payment finds the claim tonight's run flagged.
    """

    def __init__(self, engine: Engine, reports: Path, every: float = 5.0, remittances: Path | None = None):
        self.engine, self.reports, self.every = engine, Path(reports), every
        self.remittances = None if remittances is None else Path(remittances)
        self.importing: str | None = None  # what is being imported, for the pages to say
        self._lock = threading.Lock()
        self._checked = float("-inf")
        self._seen: dict[Path, int] = {}  # summary.json's mtime when last looked at
        self._remit_seen: frozenset | None = None  # the remittance files' names, sizes and mtimes when last looked at

    def check(self) -> list[Imported]:
        """Import every new run and remittance now, and say which runs were imported."""
        with self._lock:
            self._checked = time.monotonic()
            changed, remits = self._changed_folders(), self._remits_changed()
            return self._import(changed, remits)

    def check_soon(self) -> None:
        """From a page: look for new runs and remittances if it is time, and import them in the background."""
        if time.monotonic() - self._checked < self.every or not self._lock.acquire(blocking=False):
            return
        self._checked = time.monotonic()
        changed, remits = self._changed_folders(), self._remits_changed()
        if not changed and not remits:
            self._lock.release()
            return
        said = [f"the run in {', '.join(sorted(folder.name for folder in changed))}"] if changed else []
        self.importing = " and ".join(said + (["the new remittances"] if remits else []))
        threading.Thread(target=self._import_then_release, args=(changed, remits), daemon=True).start()

    def _import(self, changed: list[Path], remits: bool) -> list[Imported]:
        done = import_new_runs(self.engine, changed) if changed else []
        if remits:
            from scrubber.server.remits import import_remittances  # here: remits.py builds on this module

            import_remittances(self.engine, self.remittances)
        return done

    def _import_then_release(self, changed: list[Path], remits: bool) -> None:
        try:
            self._import(changed, remits)
        except Exception as error:  # the server keeps serving the state it has; the text may quote claim values
            LOG.error("importing failed: %s", type(error).__name__)
        finally:
            self.importing = None
            self._lock.release()

    def _remits_changed(self) -> bool:
        if self.remittances is None or not self.remittances.is_dir():
            return False
        seen = set()
        for path in self.remittances.iterdir():
            try:
                stat = path.stat()
            except OSError:
                continue
            seen.add((path.name, stat.st_size, stat.st_mtime_ns))
        seen = frozenset(seen)
        changed, self._remit_seen = seen != self._remit_seen, seen
        return changed

    def _changed_folders(self) -> list[Path]:
        changed = []
        if not self.reports.is_dir():
            return changed
        for folder in self.reports.iterdir():
            try:
                mtime = (folder / SUMMARY).stat().st_mtime_ns
            except OSError:
                continue  # not a run folder (or the database file itself)
            if self._seen.get(folder) != mtime:
                self._seen[folder] = mtime
                changed.append(folder)
        return changed


def run_folders(candidates: list[Path]) -> list[RunFolder]:
    found = []
    for folder in candidates:
        if folder.name.startswith(".") or not (folder / "findings.parquet").is_file():
            continue  # a run still being written is moved into place whole, with its findings
        try:
            summary = read_summary(folder)
            signature = hashlib.sha256((folder / SUMMARY).read_bytes()).hexdigest()
        except (ValueError, KeyError, OSError):
            continue  # not a run of ours, or damaged: skipped, as history.py does
        found.append(RunFolder(folder, summary.as_of, signature))
    return sorted(found, key=lambda r: (r.as_of, r.folder.name))


def import_new_runs(engine: Engine, candidates: list[Path]) -> list[Imported]:
    """Import, oldest first, the runs among CANDIDATES not imported yet and not older than the newest imported."""
    done = []
    with engine.connect() as db:
        known = {(row.folder, row.signature) for row in db.execute(select(runs.c.folder, runs.c.signature))}
        newest = db.execute(select(func.max(runs.c.as_of))).scalar()
    for run in run_folders(candidates):
        if (run.folder.name, run.signature) in known or (newest is not None and run.as_of < newest):
            continue
        done.append(import_run(engine, run))
        newest = run.as_of
    return done


def import_run(engine: Engine, run: RunFolder) -> Imported:
    now = dt.datetime.now().replace(microsecond=0)
    billed = _billed(run.folder)
    found = _findings(run.folder, billed)
    flagged = _claims(found, billed).join(_digests(found, billed), on=KEY, how="left").pipe(_deadlines)
    present = pl.concat([billed.select(KEY), flagged.select(KEY)]).unique()
    said = f"the run of {run.as_of.isoformat()}"
    with engine.begin() as db:
        existing = claim_ids(db, claims.c.status, claims.c.digest, claims.c.dollars, claims.c.in_batch)
        run_id = db.execute(
            insert(runs).values(
                folder=run.folder.name,
                as_of=run.as_of,
                signature=run.signature,
                imported_at=now,
                claims_total=present.height,
                claims_flagged=flagged.height,
                **dict.fromkeys(["claims_new", "claims_reopened", "claims_clean", "claims_sent"], 0),
            )
        ).inserted_primary_key[0]

        matched = flagged.join(existing.drop("dollars", "in_batch"), on=KEY, how="left", suffix="_kept")
        new = matched.filter(pl.col("id").is_null())
        again = matched.filter(pl.col("id").is_not_null())
        changed = again.filter(pl.col("digest").ne_missing(pl.col("digest_kept")))
        reopened = again.filter(pl.col("status").is_in(["fixed", "sent", PAID])).join(
            existing.select("id", "dollars"), on="id"
        )
        others = existing.join(flagged.select(KEY), on=KEY, how="anti")
        absent = others.join(present, on=KEY, how="anti")
        clean = others.join(present, on=KEY, how="semi").filter(pl.col("status").is_in(WORKING))
        # Only a claim that was in the last batch left it tonight: a denial being worked was sent long ago.
        sent = absent.filter(pl.col("status").is_in([*WORKING, "fixed"]) & pl.col("in_batch"))

        insert_frame(db, claims, _new_claims(new, run.as_of, now))
        _update_ids(db, again["id"], last_flagged=run.as_of, nights_flagged=claims.c.nights_flagged + 1, in_batch=True)
        _update_facts(db, changed, now)
        _set_status(db, reopened, "open", now, run_id, f"fired again in {said}", reopened=True)
        _set_status(db, clean, "fixed", now, run_id, f"in the batch of {said} with no finding")
        _set_status(db, sent, "sent", now, run_id, f"not in the batch of {said}")
        _update_ids(db, absent["id"], in_batch=False)
        # Findings and lines are kept for a claim new tonight or whose findings or lines changed.
        renewed = claim_ids(db).join(pl.concat([new.select(KEY), changed.select(KEY)]), on=KEY, how="semi")
        _replace_details(db, renewed, found, billed, run_id)
        counts = {
            "claims_new": new.height,
            "claims_reopened": reopened.height,
            "claims_clean": clean.height,
            "claims_sent": sent.height,
        }
        db.execute(update(runs).where(runs.c.id == run_id).values(**counts))
    return Imported(run.folder.name, run.as_of, flagged.height, *counts.values())


def _billed(folder: Path) -> pl.DataFrame:
    """The batch's lines with their payer; a run written before billed lines kept charges has none."""
    path = folder / BILLED_LINES
    columns = ["claim_id", "payer_id", "patient_id", "member_id", "line_number", "procedure_code"]
    columns += ["modifiers", "units", "service_date", "charge"]
    if not path.is_file():
        return pl.DataFrame(schema={c: pl.String for c in columns})
    frame = pl.read_parquet(path)
    if "charge" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.Decimal(18, 2)).alias("charge"))
    return frame.select(columns).with_columns(pl.col("payer_id").fill_null(""))


def _findings(folder: Path, billed: pl.DataFrame) -> pl.DataFrame:
    """The run's counted findings on claims (a visit no claim bills is no claim to work), keyed by claim and payer.

    A finding without a payer (a claim whose payer could not be read) takes the payer of the claim's lines.
    """
    payers = billed.group_by("claim_id").agg(pl.col("payer_id").first().alias("line_payer"))
    return (
        counting(pl.read_parquet(folder / "findings.parquet"))
        .filter(pl.col("claim_id").is_not_null())
        .join(payers, on="claim_id", how="left")
        .with_columns(pl.coalesce("payer_id", "line_payer", pl.lit("")).alias("payer_id"))
        .drop("line_payer")
    )


def _claims(found: pl.DataFrame, billed: pl.DataFrame) -> pl.DataFrame:
    """One row per flagged claim: who, when, how much, which queues, and the finding to show first."""
    first = found.sort(pl.col("severity") != "error", pl.col("line_number"), pl.col("rule_id"), nulls_last=True)
    per_claim = first.group_by(KEY, maintain_order=True).agg(
        (pl.col("queue") == "coder").any().alias("needs_coder"),
        (pl.col("queue") == "biller").any().alias("needs_biller"),
        (pl.col("severity") == "error").any().alias("has_error"),
        pl.len().alias("findings_count"),
        pl.col("rule_id").first().alias("top_rule"),
        pl.col("message").first().alias("top_message"),
        pl.col("service_date").min().alias("finding_from"),
        pl.col("service_date").max().alias("finding_to"),
    )
    facts = billed.group_by(KEY).agg(
        pl.col("patient_id").first(),
        pl.col("member_id").first(),
        pl.col("service_date").min().alias("line_from"),
        pl.col("service_date").max().alias("line_to"),
        pl.col("charge").sum().cast(pl.Float64).alias("dollars"),
    )
    return per_claim.join(facts, on=KEY, how="left").select(
        *KEY,
        "patient_id",
        "member_id",
        pl.coalesce("line_from", "finding_from").alias("service_from"),
        pl.coalesce("line_to", "finding_to").alias("service_to"),
        "dollars",
        "needs_coder",
        "needs_biller",
        "has_error",
        "findings_count",
        "top_rule",
        "top_message",
    )


FACTS = [
    "patient_id",
    "member_id",
    "service_from",
    "service_to",
    "dollars",
    "needs_coder",
    "needs_biller",
    "has_error",
    "findings_count",
    "top_rule",
    "top_message",
    "digest",
    "deadline",
]


def _deadlines(flagged: pl.DataFrame) -> pl.DataFrame:
    """Each claim's timely-filing deadline from its first date of service, as the fix list computes it (null when
    the payer has no profile, or the pack's profiles cannot be read)."""
    try:
        payers = payer_table(load_profiles(paths.profiles_dir()))
    except Exception:  # a server without a readable pack still imports; it cannot order by deadline
        return flagged.with_columns(pl.lit(None, pl.Date).alias("deadline"))
    return flagged.join(payers, on="payer_id", how="left").select(
        *flagged.columns, payer_filing_deadline(pl.col("service_from")).alias("deadline")
    )


def _digests(found: pl.DataFrame, billed: pl.DataFrame) -> pl.DataFrame:
    """A fingerprint of each claim's findings and lines: a claim flagged again the same way is not rewritten."""

    def rows(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        text = pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in frame.columns], separator="\x1f")
        return (
            frame.select(*KEY, text.alias("row"))
            .sort(*KEY, "row")
            .group_by(KEY, maintain_order=True)
            .agg(pl.col("row").str.join("\x1e").alias(name))
        )

    details = ["line_number", "rule_id", "severity", "queue", "message", "fix", "denial_code", "remark_codes"]
    return (
        rows(found.select(*KEY, *details), "found")
        .join(rows(billed, "billed"), on=KEY, how="left")
        .select(*KEY, pl.concat_str("found", pl.col("billed").fill_null("")).hash(0).cast(pl.String).alias("digest"))
    )


def _new_claims(new: pl.DataFrame, as_of: dt.date, now: dt.datetime) -> pl.DataFrame:
    return new.select(KEY + FACTS).with_columns(
        pl.lit("open").alias("status"),
        pl.lit(as_of).alias("first_flagged"),
        pl.lit(as_of).alias("last_flagged"),
        pl.lit(1).alias("nights_flagged"),
        pl.lit(False).alias("reopened"),
        pl.lit(True).alias("in_batch"),
        pl.lit(now).alias("updated_at"),
    )


def _update_facts(db, changed: pl.DataFrame, now: dt.datetime) -> None:
    """A claim flagged again with other findings or lines: tonight's facts; its owner, status and notes stay."""
    settings = ", ".join(f"{c} = ?" for c in [*FACTS, "updated_at"])
    rows = changed.select(*FACTS, pl.lit(now).alias("updated_at"), "id")
    execute_many(db, f"UPDATE {claims.name} SET {settings} WHERE id = ?", rows)


def _set_status(db, which: pl.DataFrame, status: str, now, run_id: int, why: str, reopened: bool = False) -> None:
    """The import's own status changes, each with a line of history saying why."""
    extra = {"reopened": True} if reopened else {}
    _update_ids(db, which["id"], status=status, pend_reason=None, pend_until=None, updated_at=now, **extra)
    history = which.select(
        pl.col("id").alias("claim"),
        pl.lit(now).alias("at"),
        pl.lit(run_id).alias("run"),
        pl.lit("status").alias("what"),
        pl.col("status").alias("old"),
        pl.lit(status).alias("new"),
        pl.lit(why).alias("detail"),
        pl.col("dollars"),
    )
    insert_frame(db, events, history)


def _update_ids(db, ids: pl.Series, **values) -> None:
    """One UPDATE per few thousand claims, not one per claim."""
    for start in range(0, ids.len(), CHUNK):
        db.execute(update(claims).where(claims.c.id.in_(ids.slice(start, CHUNK).to_list())).values(**values))


def _replace_details(db, ids: pl.DataFrame, found: pl.DataFrame, billed: pl.DataFrame, run_id: int) -> None:
    """Tonight's findings and lines replace the ones kept for these claims."""
    for start in range(0, ids.height, CHUNK):
        chunk = ids["id"].slice(start, CHUNK).to_list()
        db.execute(delete(findings).where(findings.c.claim.in_(chunk)))
        db.execute(delete(lines).where(lines.c.claim.in_(chunk)))
    columns = ["line_number", "rule_id", "category", "severity", "queue", "message", "fix", "denial_code"]
    rows = found.join(ids, on=KEY).select(
        pl.col("id").alias("claim"), pl.lit(run_id).alias("run"), *columns, "remark_codes"
    )
    insert_frame(db, findings, rows)
    kept = billed.join(ids, on=KEY).select(
        pl.col("id").alias("claim"), "line_number", "procedure_code", "modifiers", "units", "charge", "service_date"
    )
    insert_frame(db, lines, kept.sort("claim", "line_number"))
