"""Match the payers' denials (835) to what the scrubber said about the same claim and line before it was sent.

Everything is joins and group-bys over whole tables: no loop over claims.

What counts as a denial
    One CAS triplet (scrubber.remit.x835 `adjustments`) with an amount above zero, on a claim payment that is not
    a reversal (CLP02 22), whose group is not CR and whose CARC is not in NOT_DENIALS: patient cost sharing
    under the benefit (CARC 1 deductible, 2 coinsurance, 3 co-payment, 66 blood deductible) and the payer's
    pricing of an allowed service (45 fee schedule or contract, 253 sequestration, 59 multiple or concurrent
    procedure rules, 23 the prior payer's adjudication, 94 processed in excess of charges, 131 claim-specific
    negotiated discount, 237 legislated or regulatory penalty) in whichever group the payer sends them. Every
    other CARC, in CO, OA, PI or PR (PR-96, PR-204: the patient owes a service the plan does not cover), is a
    denial of its amount. Sources: ASC X12 005010X221A1 (835) TR3, CAS segment (group codes CO contractual
    obligation, PR patient responsibility, OA other adjustment, PI payer initiated reduction, CR correction and
    reversal) and the X12 Claim Adjustment Reason Code list (x12.org/codes/claim-adjustment-reason-codes) for
    each CARC's meaning; CMS MLN Booklet "Understanding the Remittance Advice for Professional Providers"
    (MLN006708) for how Medicare uses CO-45, CO-253 and PR-1/2/3.

Who sent what, and when
    A remittance claim (CLP) is ours when CLP01 equals a claim_id of an earlier run (the CLM01 we sent). The
    runs that count for a claim are those dated (summary.json as_of) strictly before the claim's first
    remittance (the earliest DTM*405 production date, else BPR16 payment date, of any CLP with that claim id):
    the claim was sent after them. A run "saw" the claim when the claim is in its billed_lines.parquet or its
    findings. The last run that saw the claim is its state when it was sent. A remittance without any date is
    judged against every run.

Lines
    A service line (SVC) is matched to our line of the same claim in that last run by procedure code (the code
    as submitted, SVC06, when the payer changed it, else SVC01), service date (DTM*472, else the claim's
    dates) and position: the k-th SVC with that code and date (in remittance order) is our k-th line with that
    code and date (by line number). Modifiers, units and charges are not compared (payers drop or add
    modifiers). A reversal and the correction after it each start a new count, as both re-list the same lines;
    a claim split across several 835s counts on across them. An SVC left unmatched (no billed line with that
    code and date, or a replacement or void claim, whose lines billed_lines.parquet does not keep) has no line
    number: its denials meet only the claim-level findings.

Which payment is current
    A reversal (CLP02 22) cancels the payment before it; such a payment is `superseded`. The current answer for
    a claim is every payment that is neither a reversal nor superseded (several, when the claim was split).
    Denials of superseded payments are kept with `superseded` true and are not counted in the current figures.

Classes of a denial (column `class`)
    predicted: a finding in a run before the claim was sent, on the same claim and the same line (or on the
        claim as a whole, or any line for a claim-level denial), names the same CARC as the payer or a CARC of
        the same family (CARC_FAMILIES), and no such finding was still open in the last run that saw the claim
        (it was cleared, the payer denied it anyway).
    predicted, sent anyway: such a finding was still open in the last run that saw the claim.
    not predicted: the claim was scrubbed, but no finding named that CARC or its family.
    not scrubbed: no run before the remittance saw the claim (or CLP01 is empty).

Outcome of a finding (column `outcome`), for each finding (claim, line, rule) of the runs before a claim was
sent, on a claim with a current answer
    denied as predicted: the payer denied that line (or the claim) with the finding's CARC or family.
    denied for another reason: the payer denied it, with an unrelated CARC.
    fired but paid in full: the finding was open when the claim was sent, and the payer paid the line (the claim
        for a claim-level finding) without any denial: only its contract write-off and patient cost sharing.
    paid after the finding was cleared: the same, for a finding cleared before the claim was sent.
    no answer: the line is in no current payment (unmatched, or the claim was only reversed).
    A claim denied as a whole (CLP02 4) without a CAS that names why counts its findings as denied for another
    reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scrubber.findings import counting
from scrubber.history import BILLED_LINES, PastRun
from scrubber.remit.x835 import RemitRead

# CARCs that are never a denial, and why (module docstring for the sources).
NOT_DENIALS = {
    "1": "deductible",
    "2": "coinsurance",
    "3": "co-payment",
    "66": "blood deductible",
    "45": "charge exceeds the fee schedule or contracted amount",
    "253": "sequestration (the 2% Medicare reduction)",
    "59": "multiple or concurrent procedure rules",
    "23": "the prior payer's adjudication (coordination of benefits)",
    "94": "processed in excess of charges",
    "131": "claim-specific negotiated discount",
    "237": "legislated or regulatory penalty",
}
# CARCs that answer the same problem: a finding naming one predicts a denial naming another of its family.
# Families are ours, read off the X12 CARC list's texts (x12.org/codes/claim-adjustment-reason-codes); a CARC
# outside every family matches only itself.
CARC_FAMILIES = {
    "eligibility": (["26", "27", "31", "109", "177"],
                    "coverage before or after the service, member unknown, other payer"),
    "coding": (["4", "5", "6", "7", "9", "10", "11", "58", "146", "181", "182"],
               "code, modifier, diagnosis or place of service inconsistent or invalid for the date"),
    "missing information": (["16", "107", "110", "252"], "the claim lacks information or has a billing error"),
    "bundling": (["97", "231", "234", "236"], "included in, or not payable with, another service"),
    "frequency and units": (["35", "119", "151"], "benefit maximum, frequency or units exceeded"),
    "not covered": (["49", "50", "96", "167", "204"], "non-covered service, medical necessity, benefit exclusion"),
    "duplicate": (["18", "B13"], "billed or paid before"),
    "timely filing": (["29"], "the time limit for filing has expired"),
    "authorization": (["15", "197", "198"], "prior authorization or precertification absent or exceeded"),
    "provider": (["8", "54", "185", "B7"], "provider type, assistant or certification not covered"),
}  # fmt: skip
FAMILY_OF = {carc: family for family, (carcs, _) in CARC_FAMILIES.items() for carc in carcs}

PREDICTED, SENT_ANYWAY, NOT_PREDICTED, NOT_SCRUBBED = (
    "predicted",
    "predicted, sent anyway",
    "not predicted",
    "not scrubbed",
)
DENIAL_CLASSES = [PREDICTED, SENT_ANYWAY, NOT_PREDICTED, NOT_SCRUBBED]
DENIED_AS_PREDICTED, DENIED_OTHER = "denied as predicted", "denied for another reason"
PAID_OPEN, PAID_CLEARED, NO_ANSWER = "fired but paid in full", "paid after the finding was cleared", "no answer"
FINDING_OUTCOMES = [DENIED_AS_PREDICTED, DENIED_OTHER, PAID_OPEN, PAID_CLEARED, NO_ANSWER]

_RUN = {"run": pl.String, "run_as_of": pl.Date, "claim_id": pl.String, "line_number": pl.Int64}
FINDING_HISTORY_SCHEMA = _RUN | {"rule_id": pl.String, "severity": pl.String, "denial_code": pl.String}
LINE_HISTORY_SCHEMA = _RUN | {"procedure_code": pl.String, "service_date": pl.Date}
_ROW = ["file", "claim_position"]
_RUN_KEYS = ["claim_id", "run", "run_as_of"]


@dataclass(frozen=True)
class ScrubHistory:
    """What the earlier runs said (findings of active rules) and billed (lines), each row with its run."""

    findings: pl.DataFrame
    lines: pl.DataFrame


@dataclass(frozen=True)
class Matched:
    claims: pl.DataFrame  # every CLP, with its dates, whether it is current, and the claim's send state
    lines: pl.DataFrame  # every SVC, with our line number when matched
    denials: pl.DataFrame  # every denial (current or superseded), with its class
    findings: pl.DataFrame  # every finding before sending on a claim with a current answer, with its outcome


def scrub_history(runs: list[PastRun]) -> ScrubHistory:
    def tagged(frame: pl.LazyFrame, run: PastRun) -> pl.LazyFrame:
        return frame.with_columns(run=pl.lit(run.folder.name), run_as_of=pl.lit(run.as_of))

    findings = [
        tagged(counting(pl.scan_parquet(run.folder / "findings.parquet")), run).select(list(FINDING_HISTORY_SCHEMA))
        for run in runs
        if (run.folder / "findings.parquet").is_file()
    ]
    lines = [
        tagged(pl.scan_parquet(run.folder / BILLED_LINES), run).select(list(LINE_HISTORY_SCHEMA))
        for run in runs
        if (run.folder / BILLED_LINES).is_file()
    ]
    return ScrubHistory(_stacked(findings, FINDING_HISTORY_SCHEMA), _stacked(lines, LINE_HISTORY_SCHEMA))


def _stacked(frames: list[pl.LazyFrame], schema: dict) -> pl.DataFrame:
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames, how="vertical_relaxed").collect().cast(schema)  # type: ignore[arg-type]


def carc_of(code: pl.Expr) -> pl.Expr:
    """`CO-151` -> `151`; a bare CARC stays as it is."""
    return code.str.split("-").list.last().str.strip_chars()


def family_of(carc: pl.Expr) -> pl.Expr:
    return carc.replace_strict(FAMILY_OF, default=None, return_dtype=pl.String)


def denies_money() -> pl.Expr:
    """On an adjustments table: the CAS triplets that deny money (this report's and the worklist server's rule)."""
    return (
        (pl.col("amount") > 0) & (pl.col("group_code") != "CR") & ~pl.col("carc").is_in(list(NOT_DENIALS))
    ).fill_null(False)


def is_denial() -> pl.Expr:
    """On an adjustments table joined with its claim's `reversal` flag: the denials to count."""
    return denies_money() & ~pl.col("reversal").fill_null(False)


def match(read: RemitRead, history: ScrubHistory) -> Matched:
    claims = _claims(read, history)
    lines = _lines(read, claims, history.lines)
    denials = _denials(read, claims, lines, history.findings)
    findings = _finding_outcomes(claims, lines, denials, history.findings)
    return Matched(claims, lines, denials, findings)


def _claims(read: RemitRead, history: ScrubHistory) -> pl.DataFrame:
    """Each CLP with its remittance date, whether it is current, and when (by which run) the claim was sent."""
    reversal = pl.col("status_code") == "22"
    key = pl.col("claim_id").fill_null(pl.format("no claim id {} {}", "file", "claim_position"))
    claims = (
        read.claims.join(
            read.payments.select("file", "transaction_position", "production_date"),
            on=["file", "transaction_position"],
            how="left",
        )
        .with_columns(
            remit_date=pl.coalesce("production_date", "payment_date"),
            reversal=reversal.fill_null(False),
            _key=key,
        )
        .sort("_key", "sequence")
    )
    reversals = pl.col("reversal").cast(pl.Int64)
    claims = claims.with_columns(
        generation=reversals.cum_sum().over("_key"),
        superseded=~pl.col("reversal") & ((reversals.sum() - reversals.cum_sum()).over("_key") > 0),
        sent_before=pl.col("remit_date").min().over("_key"),
    ).with_columns(current=~pl.col("reversal") & ~pl.col("superseded"))
    seen = pl.concat([history.findings.select(_RUN_KEYS), history.lines.select(_RUN_KEYS)]).drop_nulls("claim_id")
    sent = (
        claims.select("claim_id", "sent_before")
        .unique()
        .join(seen.unique(), on="claim_id")
        .filter((pl.col("run_as_of") < pl.col("sent_before")).fill_null(True))
        .group_by("claim_id")
        .agg(
            runs_before=pl.col("run").n_unique(),
            last_run=pl.col("run").sort_by("run_as_of", "run").last(),
            last_run_as_of=pl.col("run_as_of").max(),
        )
    )
    return (
        claims.join(sent, on="claim_id", how="left")
        .with_columns(scrubbed=pl.col("last_run").is_not_null(), runs_before=pl.col("runs_before").fill_null(0))
        .drop("_key")
        .sort("file", "claim_position")
    )


def _lines(read: RemitRead, claims: pl.DataFrame, billed: pl.DataFrame) -> pl.DataFrame:
    """Each SVC with our line number: same claim, code and date, k-th of its kind on both sides."""
    code = pl.coalesce("original_procedure_code", "procedure_code")
    lines = (
        read.service_lines.join(
            claims.select(*_ROW, "generation", "reversal", "sequence", "last_run", "current", "superseded"),
            on=_ROW,
            how="left",
        )
        .with_columns(match_code=code)
        .sort("claim_id", "generation", "sequence", "line_position")
        .with_columns(
            nth=pl.int_range(pl.len()).over("claim_id", "generation", "reversal", "match_code", "service_date")
        )
    )
    ours = billed.sort("run", "claim_id", "line_number").select(
        "run",
        "claim_id",
        "procedure_code",
        "service_date",
        our_line_number="line_number",
        nth=pl.int_range(pl.len()).over("run", "claim_id", "procedure_code", "service_date"),
    )
    return lines.join(
        ours,
        left_on=["last_run", "claim_id", "match_code", "service_date", "nth"],
        right_on=["run", "claim_id", "procedure_code", "service_date", "nth"],
        how="left",
    ).sort("file", "line_position")


def _denials(read: RemitRead, claims: pl.DataFrame, lines: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    denials = (
        read.adjustments.join(
            claims.select(
                *_ROW,
                "payer_id",
                "payer_name",
                "status_code",
                "remit_date",
                "sent_before",
                "reversal",
                "superseded",
                "current",
                "scrubbed",
                "last_run",
            ),
            on=_ROW,
            how="left",
        )
        .filter(is_denial())
        .join(
            lines.select("file", "line_position", "procedure_code", "service_date", "our_line_number"),
            on=["file", "line_position"],
            how="left",
        )
        .join(_remark_codes(read), on=[*_ROW, "line_position"], how="left", nulls_equal=True)
        .with_columns(family=family_of(pl.col("carc")), denial_code=pl.format("{}-{}", "group_code", "carc"))
        .with_row_index("denial_id")
    )
    verdict = (
        _candidates(denials, findings)
        .group_by("denial_id")
        .agg(
            predicted=pl.col("foresaw").any(),
            sent_anyway=(pl.col("foresaw") & pl.col("open_when_sent")).any(),
            same_carc=(pl.col("foresaw") & (pl.col("f_carc") == pl.col("carc"))).any(),
            predicted_by=pl.col("rule_id").filter("foresaw").unique().sort().str.join(";"),
            other_findings=pl.col("rule_id").filter(~pl.col("foresaw")).unique().sort().str.join(";"),
        )
    )
    denials = denials.join(verdict, on="denial_id", how="left").with_columns(
        pl.col("predicted", "sent_anyway", "same_carc").fill_null(False)
    )
    return denials.with_columns(
        **{
            "class": pl.when(~pl.col("scrubbed")).then(pl.lit(NOT_SCRUBBED))
            .when("sent_anyway").then(pl.lit(SENT_ANYWAY))
            .when("predicted").then(pl.lit(PREDICTED))
            .otherwise(pl.lit(NOT_PREDICTED)),
            "match": pl.when("same_carc").then(pl.lit("same CARC"))
            .when("predicted").then(pl.lit("same family")),
        }
    ).drop("predicted", "sent_anyway", "same_carc")  # fmt: skip


def _remark_codes(read: RemitRead) -> pl.DataFrame:
    """The RARCs of each line (LQ*HE) and of each claim (MOA, MIA; line_position null), joined by ";"."""
    return read.remarks.group_by(*_ROW, "line_position").agg(
        remark_codes=pl.col("code").unique(maintain_order=True).str.join(";")
    )


def _on_same_line() -> pl.Expr:
    """A finding and a denial of one claim meet when either is claim-level or both are on our same line."""
    same = pl.col("line_number") == pl.col("our_line_number")
    return ((pl.col("level") == "claim") | pl.col("line_number").is_null() | same).fill_null(False)


def _candidates(denials: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    """Every (denial, finding) pair on the same claim and line, from runs before the claim was sent."""
    f_carc = carc_of(pl.col("denial_code"))
    return (
        denials.select("denial_id", "claim_id", "sent_before", "level", "our_line_number", "last_run", "carc", "family")
        .join(findings.select("claim_id", "run", "run_as_of", "line_number", "rule_id", f_carc=f_carc), on="claim_id")
        .filter((pl.col("run_as_of") < pl.col("sent_before")).fill_null(True) & _on_same_line())
        .with_columns(
            foresaw=(
                (pl.col("f_carc") == pl.col("carc")) | (family_of(pl.col("f_carc")) == pl.col("family"))
            ).fill_null(False),
            open_when_sent=pl.col("run") == pl.col("last_run"),
        )
    )


def _finding_outcomes(
    claims: pl.DataFrame, lines: pl.DataFrame, denials: pl.DataFrame, findings: pl.DataFrame
) -> pl.DataFrame:
    """Each finding (claim, line, rule) of the runs before a claim with a current answer was sent, and what the
    payer then did with its line (claim-level finding: with the claim)."""
    current = claims.filter("current")
    answered = current.group_by("claim_id").agg(
        sent_before=pl.col("sent_before").first(),
        last_run=pl.col("last_run").first(),
        status_denied=(pl.col("status_code") == "4").any(),
    )
    before = findings.join(answered, on="claim_id").filter(
        (pl.col("run_as_of") < pl.col("sent_before")).fill_null(True)
    )
    fired = before.group_by("claim_id", "line_number", "rule_id").agg(
        severity=pl.col("severity").last(),
        denial_code=pl.col("denial_code").last(),
        first_fired=pl.col("run_as_of").min(),
        open_when_sent=(pl.col("run") == pl.col("last_run")).any(),
        status_denied=pl.col("status_denied").first(),
    )
    paid_lines = lines.filter(pl.col("current") & pl.col("our_line_number").is_not_null()).select(
        "claim_id", line_number="our_line_number", line_answered=pl.lit(True)
    )
    f_carc = carc_of(pl.col("denial_code"))
    hits = (
        fired.select("claim_id", "line_number", "rule_id", f_carc=f_carc)
        .join(denials.filter("current").select("claim_id", "level", "our_line_number", "carc", "family", "amount"),
              on="claim_id")
        .filter(_on_same_line())
        .with_columns(same=((pl.col("f_carc") == pl.col("carc")) | (family_of(pl.col("f_carc")) == pl.col("family")))
                      .fill_null(False))
        .group_by("claim_id", "line_number", "rule_id")
        .agg(denied=pl.lit(True), as_predicted=pl.col("same").any(),
             denied_dollars=pl.col("amount").filter("same").sum(),
             payer_carcs=pl.col("carc").unique().sort().str.join(";"))
    )  # fmt: skip
    keys = ["claim_id", "line_number", "rule_id"]
    out = (
        fired.join(hits, on=keys, how="left", nulls_equal=True)
        .join(paid_lines.unique(), on=["claim_id", "line_number"], how="left")
        .with_columns(
            denied=pl.col("denied").fill_null(False) | pl.col("status_denied"),
            as_predicted=pl.col("as_predicted").fill_null(False),
            answered=pl.col("line_number").is_null() | pl.col("line_answered").fill_null(False),
        )
    )
    outcome = (
        pl.when("as_predicted").then(pl.lit(DENIED_AS_PREDICTED))
        .when("denied").then(pl.lit(DENIED_OTHER))
        .when(~pl.col("answered")).then(pl.lit(NO_ANSWER))
        .when("open_when_sent").then(pl.lit(PAID_OPEN))
        .otherwise(pl.lit(PAID_CLEARED))
    )  # fmt: skip
    return (
        out.with_columns(outcome=outcome, denied_dollars=pl.col("denied_dollars").fill_null(0))
        .drop("status_denied", "line_answered", "denied", "as_predicted", "answered")
        .sort(keys, nulls_last=True)
    )


__all__ = [
    "CARC_FAMILIES",
    "DENIAL_CLASSES",
    "FINDING_OUTCOMES",
    "NOT_DENIALS",
    "Matched",
    "ScrubHistory",
    "match",
    "scrub_history",
]
