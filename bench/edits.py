"""The representative edits the peers implement, each tied to the rule of the pack it stands for.

The pack grows every week; writing all of it twice (SQL, per-claim Python) is not the
point. These edits span the families: coverage, code validity on the date, patient
consistency, modifiers, payer data. For the ratios the engine runs exactly these
rules (selected by id from the pack); an edit whose rule is not in the pack is left
out of all three, with a printed note.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from bench.generate import AS_OF
from scrubber import paths
from scrubber.rulebook.rules import load_rules

KEY = ["claim_id", "line_number", "rule_id"]  # what engine and peers must agree on


@dataclass(frozen=True)
class Edit:
    rule_id: str
    what: str  # the edit as the peers implement it


EDITS = (
    Edit(
        "ELIG001",
        "line: the member has rows at the claim's payer, but no active span (and no inactive one) covers the date",
    ),
    Edit("DX001", "claim diagnosis: no ICD-10-CM row in force on the claim's first date of service"),
    Edit("DX002", "claim diagnosis: the ICD-10-CM row in force is a header (billable N)"),
    Edit(
        "DX013",
        "claim diagnosis: sex-specific code in the last MCE sex list, patient sex M/F and not the code's, "
        "payer not switching the edit off",
    ),
    Edit("MOD001", "line: place of service (line, else claim) 02/10 without the payer's telehealth modifier"),
    Edit("DQ003", "claim: payer_id has no payer profile"),
    Edit("DQ005", "claim: total_charge differs from the sum of its line charges"),
    Edit("PRV001", "claim: billing NPI missing, not 10 digits, or failing the Luhn check with the 80840 prefix"),
    Edit(
        "TF001",
        "line: the payer's filing deadline (date of service + its months or days, moved off a weekend or "
        "federal holiday) is before the run date (not institutional, not a void)",
    ),
    Edit(
        "DUP001",
        "line: an earlier line (claim id, line number order) bills the same payer, member, patient, code, date, "
        "provider, modifiers and NDC, on a claim that is not a replacement or void the payer applies",
    ),
    Edit(
        "MUE001",
        "line: units over a non-zero MUE in force in the claim's NCCI setting (MAI 1 per line; MAI 2/3 the "
        "payer's, patient's and provider's counted units of the code that day through this line, in claim order)",
    ),
    Edit(
        "PTP002",
        "line pair: NCCI pair in force (indicator 1) in the claim's NCCI setting on two lines of one patient, "
        "date and provider, column two not a visit, no modifier on either line that fits the pair; the column-2 "
        "line is flagged",
    ),
)


def available(rules_dir: Path | None = None) -> tuple[list[str], list[str]]:
    """(rule ids of EDITS present and active in the pack, those missing)."""
    pack = {r.id for r in load_rules(rules_dir or paths.rules_dir()) if r.status == "active"}
    present = [e.rule_id for e in EDITS if e.rule_id in pack]
    return present, [e.rule_id for e in EDITS if e.rule_id not in pack]


def peer_module(kind: str):
    return importlib.import_module(f"bench.peers.{'duck' if kind == 'duckdb' else 'plain'}")


def engine_findings(
    batch_dir: Path, rule_ids: list[str], rules_dir: Path | None = None, as_of: dt.date = AS_OF
) -> pl.DataFrame:
    """Our engine on the chosen rules only: the rule pack and the batch loaded exactly as `scrubber run` loads them."""
    from scrubber.batch import load_batch
    from scrubber.engine.context import RunContext
    from scrubber.engine.run import run_rules
    from scrubber.paths import Settings
    from scrubber.rulebook.book import load_rulebook

    book = load_rulebook(Settings(rules_dir or paths.rules_dir(), paths.profiles_dir()))
    rules = [r for r in book.rules if r.id in set(rule_ids)]
    return run_rules(rules, RunContext.of(book, load_batch(batch_dir), as_of)).findings


def finding_keys(findings: pl.DataFrame) -> pl.DataFrame:
    return findings.select(KEY).unique().sort(KEY, nulls_last=True)
