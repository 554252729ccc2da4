"""Read X12 835 remittance advice (005010X221A1) into typed Polars tables.

`read_835` reads one file, `read_remittances` every file of a folder whatever its name. Text,
separators, segments and envelope checks are the 837 reader's (scrubber.x12). Amounts are
Decimal(18, 2), units and quantities Decimal(18, 3), dates Date. Every row keeps its file and
the position of its segment, so nothing read is merged away: a claim paid in two files, or
reversed and paid again, is several rows.

Tables
- payments: one row per 835 transaction set (ST): payer (N1*PR; payer_id is N104, else the
  REF*2U that follows it), payee (N1*PE), check or EFT trace number (TRN02), payment date
  (BPR16), total paid (BPR02), method (BPR04), provider-level adjustments (sum of PLB amounts).
- claims: one row per CLP: claim_id (CLP01, the CLM01 we sent), status (CLP02 and its meaning),
  charge, paid, patient responsibility (CLP03-05), claim filing indicator (CLP06), payer claim
  number (CLP07), frequency (CLP09), REF*F8 original reference, member id (NM1*IL, else NM1*QC),
  statement dates (DTM*232/233), the transaction's payer, check and payment date.
- service_lines: one row per SVC: procedure code and modifiers (SVC01), charge (SVC02), paid
  (SVC03), units (SVC05, 1 when empty), the code as submitted when the payer changed it (SVC06),
  allowed amount (AMT*B6), service date (DTM*472, else the line's DTM*150, else the claim's
  DTM*232/233), line control number (REF*6R).
- adjustments: one row per CAS triplet, claim level (line_position null) and line level: group
  code (CO/PR/OA/PI/CR), CARC, amount, quantity.
- remarks: one row per remark code: MOA03-07 and MIA05/MIA20-23 at claim level, LQ*HE at line level.
- issues: the 837 reader's shape (file, claim_id, segment_position, segment_id, message).

Matching keys: claims.claim_id with payer_id; service_lines carry claim_id, procedure_code,
modifiers and service_date; adjustments and remarks point to their claim by (file,
claim_position) and to their line by line_position.

What a claim says about its history (over every file read together)
- outcome: `reversal` (CLP02 22), `denied` (CLP02 4), `not our claim` (CLP02 23), else by the
  money: `paid in full` (paid = charge), `partial` (0 < paid < charge, contractual reductions
  included), `not paid` (paid 0, e.g. all to the deductible).
- remittance_rows / remittance_files: how many CLPs and files carry the claim id (a claim split
  across several 835s, or reversed and paid again); sequence: its order among them (payment
  date, file, position); correction: a payment that follows a reversal of the same claim id,
  or one whose CLP09 is 7 (replacement).

Issues instead of exceptions: a file that is not X12, envelope problems, a CLP without claim id
(kept), claim or line segments before any CLP (not read), amounts and dates that are not
numbers or CCYYMMDD (left empty), and claims, lines or transactions whose money does not
balance (CLP03 - CLP04 = all CAS amounts of the claim; SVC02 - SVC03 = the line's CAS;
BPR02 = sum of CLP04 - sum of PLB).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrubber.x12.envelope import ISSUE_SCHEMA, REMITTANCE_835, check_envelopes, issue_frame
from scrubber.x12.segments import component_in_use, first_of, joined, opened, read_interchange, with_loop_data

MONEY = pl.Decimal(18, 2)
QUANTITY = pl.Decimal(18, 3)
_MAX_ELEMENT = 23  # MIA20..MIA23 are the last elements read (CAS has 19, BPR16 is the payment date)
_SEG, _POS = pl.col("seg"), pl.col("pos")
_READ = ["ST", "BPR", "TRN", "DTM", "N1", "REF", "LX", "CLP", "NM1", "CAS", "MOA", "MIA", "SVC", "LQ", "AMT", "PLB"]
_DETAIL = ["CLP", "CAS", "MOA", "MIA", "SVC", "LQ"]  # segments that belong to a claim

CLAIM_STATUS = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded to additional payer(s)",
    "20": "processed as secondary, forwarded to additional payer(s)",
    "21": "processed as tertiary, forwarded to additional payer(s)",
    "22": "reversal of previous payment",
    "23": "not our claim, forwarded to additional payer(s)",
    "25": "predetermination pricing only, no payment",
}
ADJUSTMENT_GROUP = {
    "CO": "contractual obligation",
    "CR": "correction and reversal",
    "OA": "other adjustment",
    "PI": "payer initiated reduction",
    "PR": "patient responsibility",
}
PAYMENT_METHOD = {
    "ACH": "automated clearing house",
    "BOP": "financial institution option",
    "CHK": "check",
    "FWT": "wire transfer",
    "NON": "no payment",
}

_POSITION = {"file": pl.String, "transaction_position": pl.Int64, "claim_position": pl.Int64}
PAYMENT_SCHEMA = {
    "file": pl.String, "transaction_position": pl.Int64, "transaction_control": pl.String,
    "payer_id": pl.String, "payer_name": pl.String, "payee_id": pl.String, "payee_id_qualifier": pl.String,
    "payee_name": pl.String, "check_number": pl.String, "payment_date": pl.Date, "production_date": pl.Date,
    "total_paid": MONEY, "provider_adjustments": MONEY, "credit_debit": pl.String, "payment_method_code": pl.String,
    "payment_method": pl.String, "handling_code": pl.String,
}  # fmt: skip
CLAIM_SCHEMA = _POSITION | {
    "claim_id": pl.String, "payer_id": pl.String, "payer_name": pl.String, "check_number": pl.String,
    "payment_date": pl.Date, "status_code": pl.String, "status": pl.String, "outcome": pl.String,
    "charge": MONEY, "paid": MONEY, "patient_responsibility": MONEY, "claim_filing_indicator": pl.String,
    "payer_claim_number": pl.String, "facility_code": pl.String, "frequency_code": pl.String,
    "original_reference": pl.String, "member_id": pl.String, "claim_start": pl.Date, "claim_end": pl.Date,
    "remittance_rows": pl.Int64, "remittance_files": pl.Int64, "sequence": pl.Int64, "correction": pl.Boolean,
}  # fmt: skip
LINE_SCHEMA = _POSITION | {
    "line_position": pl.Int64, "line_number": pl.Int64, "claim_id": pl.String, "payer_id": pl.String,
    "check_number": pl.String, "procedure_qualifier": pl.String, "procedure_code": pl.String, "modifiers": pl.String,
    "description": pl.String, "revenue_code": pl.String, "charge": MONEY, "paid": MONEY, "allowed": MONEY,
    "units": QUANTITY, "original_procedure_code": pl.String, "original_modifiers": pl.String,
    "original_units": QUANTITY, "service_date": pl.Date, "service_end_date": pl.Date,
    "line_control_number": pl.String,
}  # fmt: skip
ADJUSTMENT_SCHEMA = _POSITION | {
    "line_position": pl.Int64, "level": pl.String, "claim_id": pl.String, "segment_position": pl.Int64,
    "triplet": pl.Int64, "group_code": pl.String, "group": pl.String, "carc": pl.String, "amount": MONEY,
    "quantity": QUANTITY,
}  # fmt: skip
REMARK_SCHEMA = _POSITION | {
    "line_position": pl.Int64, "level": pl.String, "claim_id": pl.String, "segment_position": pl.Int64,
    "segment_id": pl.String, "code": pl.String,
}  # fmt: skip


@dataclass(frozen=True)
class RemitRead:
    payments: pl.DataFrame
    claims: pl.DataFrame
    service_lines: pl.DataFrame
    adjustments: pl.DataFrame
    remarks: pl.DataFrame
    issues: pl.DataFrame


_SCHEMAS = {
    "payments": PAYMENT_SCHEMA,
    "claims": CLAIM_SCHEMA,
    "service_lines": LINE_SCHEMA,
    "adjustments": ADJUSTMENT_SCHEMA,
    "remarks": REMARK_SCHEMA,
    "issues": ISSUE_SCHEMA,
}


def read_remittances(folder: Path) -> RemitRead:
    """Every file of the folder (hidden ones aside); one that is not X12 or not an 835 is an issue."""
    paths = sorted(p for p in Path(folder).iterdir() if p.is_file() and not p.name.startswith("."))
    reads = [read_835(path) for path in paths]
    if not reads:
        return _empty()
    tables = {name: pl.concat([getattr(read, name) for read in reads]) for name in _SCHEMAS}
    tables["claims"] = _history(tables["claims"])
    return RemitRead(**tables)


def read_835(path: Path) -> RemitRead:
    path = Path(path)
    name = path.name
    try:
        interchange = read_interchange(path, _MAX_ELEMENT)
    except OSError as exc:
        interchange = f"the file cannot be read: {exc.strerror or exc}"
    if isinstance(interchange, str):
        return _empty(issue_frame([(None, 1, "ISA", interchange)], name))
    segments = interchange.segments
    transactions, envelope_issues = check_envelopes(segments, name, REMITTANCE_835)
    component, first = component_in_use(segments, interchange.component, "SVC", "e1")
    separator = [] if first is None else [(None, 1, "ISA", _separator_message(interchange.component, component, first))]
    read = _tables(_Loops(segments, transactions), component, name)
    issues = pl.concat([issue_frame(separator, name), envelope_issues, read.issues])
    return RemitRead(
        read.payments,
        read.claims,
        read.service_lines,
        read.adjustments,
        read.remarks,
        issues.sort("segment_position", maintain_order=True),
    )


def counts(read: RemitRead) -> dict[str, int]:
    """What a biller asks of a batch of remittances first: how many of each kind."""
    claims = read.claims
    status = pl.col("status_code")
    repeated = claims.filter(pl.col("remittance_rows") > 1)
    return {
        "files": read.payments["file"].n_unique(),
        "payments": read.payments.height,
        "claims": claims.height,
        "claim_ids": claims["claim_id"].drop_nulls().n_unique(),
        "reversals": claims.filter(status == "22").height,
        "corrections": claims.filter("correction").height,
        "denied": claims.filter(pl.col("outcome") == "denied").height,
        "partial": claims.filter(pl.col("outcome") == "partial").height,
        "paid_in_full": claims.filter(pl.col("outcome") == "paid in full").height,
        "not_paid": claims.filter(pl.col("outcome") == "not paid").height,
        "claim_ids_in_several_rows": repeated["claim_id"].n_unique(),
        "claim_ids_in_several_files": repeated.filter(pl.col("remittance_files") > 1)["claim_id"].n_unique(),
        "line_adjustments": read.adjustments.filter(pl.col("level") == "line").height,
        "claim_adjustments": read.adjustments.filter(pl.col("level") == "claim").height,
        "issues": read.issues.height,
    }


def _e(i: int) -> pl.Expr:
    return pl.col(f"e{i}")


class _Loops:
    """The read segments split once by (loop, segment id); loop is header, claim, line or summary (PLB)."""

    def __init__(self, segments: pl.DataFrame, transactions: pl.DataFrame) -> None:
        is_st, is_lx, is_clp = _SEG == "ST", _SEG == "LX", _SEG == "CLP"
        located = (
            segments.filter(_SEG.is_in(_READ))
            .with_columns(
                clp_pos=opened(is_clp, is_st | is_lx),
                svc_pos=opened(_SEG == "SVC", is_st | is_lx | is_clp),
                # The N1 loop (PR payer, PE payee) a header REF belongs to.
                n1=pl.when(_SEG == "N1").then(_e(1).fill_null("")).when(is_st | is_lx | is_clp).then(pl.lit(""))
                .forward_fill(),
            )
            .join_asof(
                transactions.select("st_pos", "end_pos").sort("st_pos"),
                left_on="pos",
                right_on="st_pos",
                strategy="backward",
            )
        )  # fmt: skip
        loop = (
            pl.when(_SEG == "PLB").then(pl.lit("summary"))
            .when(pl.col("clp_pos").is_null()).then(pl.lit("header"))
            .when(pl.col("svc_pos").is_null()).then(pl.lit("claim"))
            .otherwise(pl.lit("line"))
        )  # fmt: skip
        read = located.filter(pl.col("end_pos") >= _POS).with_columns(loop=loop)
        self._empty = read.clear()
        self._parts = read.partition_by(["loop", "seg"], as_dict=True)

    def __call__(self, loop: str, seg: str) -> pl.DataFrame:
        return self._parts.get((loop, seg), self._empty)


def _tables(part: _Loops, component: str, name: str) -> RemitRead:
    checked = _Checked(name)
    payments = _payments(part, checked)
    claims = _claims(part, payments, checked)
    lines = _lines(part, claims, component, checked)
    adjustments = _adjustments(part, claims, checked)
    remarks = _remarks(part, claims)
    checked.balance(payments, claims, lines, adjustments)
    checked.outside_claims(part)
    file = pl.lit(name, pl.String).alias("file")
    return RemitRead(
        payments=_shaped(payments.with_columns(file).sort("st_pos"), PAYMENT_SCHEMA),
        claims=_shaped(_history(claims.with_columns(file).sort("clp_pos")), CLAIM_SCHEMA),
        service_lines=_shaped(lines.with_columns(file), LINE_SCHEMA),
        adjustments=_shaped(adjustments.with_columns(file), ADJUSTMENT_SCHEMA),
        remarks=_shaped(remarks.with_columns(file), REMARK_SCHEMA),
        issues=checked.issues(),
    )


def _payments(part: _Loops, checked: _Checked) -> pl.DataFrame:
    header_ref = part("header", "REF")
    n1 = part("header", "N1")
    payments = part("header", "ST").select("st_pos", transaction_control=_e(2))
    payments = with_loop_data(
        payments,
        "st_pos",
        first_of(
            part("header", "BPR"),
            "st_pos",
            handling_code=_e(1),
            total_paid=_e(2),
            credit_debit=_e(3),
            payment_method_code=_e(4),
            payment_date=_e(16),
            bpr_pos=_POS,
        ),
        first_of(part("header", "TRN"), "st_pos", check_number=_e(2), trn_pos=_POS),
        first_of(part("header", "DTM").filter(_e(1) == "405"), "st_pos", production_date=_e(2)),
        first_of(n1.filter(_e(1) == "PR"), "st_pos", payer_name=_e(2), payer_n1_id=_e(4)),
        first_of(header_ref.filter((pl.col("n1") == "PR") & (_e(1) == "2U")), "st_pos", payer_ref_id=_e(2)),
        first_of(n1.filter(_e(1) == "PE"), "st_pos", payee_name=_e(2), payee_id_qualifier=_e(3), payee_id=_e(4)),
        _provider_adjustments(part("summary", "PLB"), checked),
    )
    for at, segment_id, message in [
        ("bpr_pos", "BPR", "the remittance has no BPR: its total paid and payment date are unknown"),
        ("trn_pos", "TRN", "the remittance has no TRN: its check or EFT trace number is unknown"),
    ]:
        checked.add(
            payments.filter(pl.col(at).is_null()).select(
                claim_id=pl.lit(None, pl.String),
                segment_position="st_pos",
                segment_id=pl.lit(segment_id),
                message=pl.lit(message),
            )
        )
    payments = checked.typed(
        payments,
        "bpr_pos",
        None,
        {
            "total_paid": ("BPR02", MONEY),
            "payment_date": ("BPR16", pl.Date),
            "production_date": ("DTM*405", pl.Date),
        },
    )
    return payments.with_columns(
        transaction_position=pl.col("st_pos"),
        payer_id=pl.coalesce("payer_n1_id", "payer_ref_id"),
        payment_method=pl.col("payment_method_code").replace_strict(PAYMENT_METHOD, default=None),
        provider_adjustments=pl.col("provider_adjustments").fill_null(pl.lit(0, MONEY)),
    )


def _provider_adjustments(plb: pl.DataFrame, checked: _Checked) -> pl.DataFrame:
    """PLB03..PLB14: up to six (reason, amount) pairs per segment; the sum per transaction."""
    pairs = pl.concat([plb.select("st_pos", "pos", amount=_e(2 * k + 2)) for k in range(1, 7)]).filter(
        pl.col("amount").is_not_null()
    )
    pairs = checked.typed(pairs, "pos", None, {"amount": ("PLB amount", MONEY)})
    return pairs.group_by("st_pos").agg(provider_adjustments=pl.col("amount").sum())


def _claims(part: _Loops, payments: pl.DataFrame, checked: _Checked) -> pl.DataFrame:
    nm1, ref, dtm = part("claim", "NM1"), part("claim", "REF"), part("claim", "DTM")
    claims = part("claim", "CLP").select(
        "st_pos",
        "clp_pos",
        claim_id=_e(1),
        status_code=_e(2),
        charge=_e(3),
        paid=_e(4),
        patient_responsibility=_e(5),
        claim_filing_indicator=_e(6),
        payer_claim_number=_e(7),
        facility_code=_e(8),
        frequency_code=_e(9),
    )
    claims = with_loop_data(
        claims,
        "clp_pos",
        first_of(nm1.filter(_e(1) == "QC"), "clp_pos", patient_member_id=_e(9)),
        first_of(nm1.filter(_e(1) == "IL"), "clp_pos", insured_member_id=_e(9)),
        first_of(ref.filter(_e(1) == "F8"), "clp_pos", original_reference=_e(2)),
        first_of(dtm.filter(_e(1) == "232"), "clp_pos", claim_start=_e(2)),
        first_of(dtm.filter(_e(1) == "233"), "clp_pos", claim_end=_e(2)),
    )
    claims = checked.typed(
        claims,
        "clp_pos",
        "claim_id",
        {
            "charge": ("CLP03", MONEY),
            "paid": ("CLP04", MONEY),
            "patient_responsibility": ("CLP05", MONEY),
            "claim_start": ("DTM*232", pl.Date),
            "claim_end": ("DTM*233", pl.Date),
        },
    )
    checked.add(
        claims.filter(pl.col("claim_id").is_null()).select(
            claim_id=pl.lit(None, pl.String),
            segment_position="clp_pos",
            segment_id=pl.lit("CLP"),
            message=pl.lit("CLP01 claim id is empty; the payment is kept without a claim id and cannot be matched"),
        )
    )
    status = pl.col("status_code")
    outcome = (
        pl.when(status == "22").then(pl.lit("reversal"))
        .when(status == "4").then(pl.lit("denied"))
        .when(status == "23").then(pl.lit("not our claim"))
        .when(pl.col("paid") == 0).then(pl.lit("not paid"))
        .when(pl.col("paid") < pl.col("charge")).then(pl.lit("partial"))
        .when(pl.col("paid").is_not_null()).then(pl.lit("paid in full"))
    )  # fmt: skip
    return claims.with_columns(
        transaction_position=pl.col("st_pos"),
        claim_position=pl.col("clp_pos"),
        status=status.replace_strict(CLAIM_STATUS, default=None),
        outcome=outcome,
        member_id=pl.coalesce("insured_member_id", "patient_member_id"),
    ).join(payments.select("st_pos", "payer_id", "payer_name", "check_number", "payment_date"), on="st_pos", how="left")


def _lines(part: _Loops, claims: pl.DataFrame, component: str, checked: _Checked) -> pl.DataFrame:
    proc, original = _e(1).str.split(component), _e(6).str.split(component)
    lines = part("line", "SVC").select(
        "clp_pos",
        "svc_pos",
        procedure_qualifier=proc.list.get(0, null_on_oob=True),
        procedure_code=proc.list.get(1, null_on_oob=True),
        modifiers=joined(proc.list.slice(2, 4)),
        description=proc.list.get(6, null_on_oob=True),
        charge=_e(2),
        paid=_e(3),
        revenue_code=_e(4),
        units=_e(5),
        original_procedure_code=original.list.get(1, null_on_oob=True),
        original_modifiers=joined(original.list.slice(2, 4)),
        original_units=_e(7),
    )
    dtm, ref = part("line", "DTM"), part("line", "REF")
    lines = with_loop_data(
        lines,
        "svc_pos",
        first_of(dtm.filter(_e(1) == "472"), "svc_pos", date_472=_e(2)),
        first_of(dtm.filter(_e(1) == "150"), "svc_pos", period_start=_e(2)),
        first_of(dtm.filter(_e(1) == "151"), "svc_pos", period_end=_e(2)),
        first_of(ref.filter(_e(1) == "6R"), "svc_pos", line_control_number=_e(2)),
        first_of(part("line", "AMT").filter(_e(1) == "B6"), "svc_pos", allowed=_e(2)),
    )
    lines = lines.join(
        claims.select("clp_pos", "st_pos", "claim_id", "payer_id", "check_number", "claim_start", "claim_end"),
        on="clp_pos",
        how="left",
    )
    lines = checked.typed(
        lines,
        "svc_pos",
        "claim_id",
        {
            "charge": ("SVC02", MONEY),
            "paid": ("SVC03", MONEY),
            "units": ("SVC05", QUANTITY),
            "original_units": ("SVC07", QUANTITY),
            "allowed": ("AMT*B6", MONEY),
            "date_472": ("DTM*472", pl.Date),
            "period_start": ("DTM*150", pl.Date),
            "period_end": ("DTM*151", pl.Date),
        },
    )
    service_date = pl.coalesce("date_472", "period_start", "claim_start", "claim_end")
    return lines.sort("svc_pos").with_columns(
        **_keys(),
        line_number=pl.int_range(1, pl.len() + 1).over("clp_pos"),
        units=pl.col("units").fill_null(pl.lit(1, QUANTITY)),  # SVC05 is sent only when it is not 1
        service_date=service_date,
        service_end_date=pl.coalesce("period_end", service_date),
        modifiers=pl.when(pl.col("modifiers") != "").then("modifiers"),
        original_modifiers=pl.when(pl.col("original_modifiers") != "").then("original_modifiers"),
    )


def _adjustments(part: _Loops, claims: pl.DataFrame, checked: _Checked) -> pl.DataFrame:
    """CAS01 group code, then up to six (CARC, amount, quantity) triplets: one row per triplet."""
    cas = pl.concat([part("claim", "CAS"), part("line", "CAS")])
    triplets = pl.concat(
        [
            cas.select(
                "clp_pos",
                "svc_pos",
                segment_position=_POS,
                group_code=_e(1),
                triplet=pl.lit(k, pl.Int64),
                carc=_e(3 * k - 1),
                amount=_e(3 * k),
                quantity=_e(3 * k + 1),
            )
            for k in range(1, 7)
        ]
    ).filter(pl.col("carc").is_not_null() | pl.col("amount").is_not_null())
    triplets = triplets.join(claims.select("clp_pos", "st_pos", "claim_id"), on="clp_pos", how="left")
    triplets = checked.typed(
        triplets,
        "segment_position",
        "claim_id",
        {"amount": ("CAS amount", MONEY), "quantity": ("CAS quantity", QUANTITY)},
    )
    return triplets.sort("segment_position", "triplet").with_columns(
        **_keys(),
        group=pl.col("group_code").replace_strict(ADJUSTMENT_GROUP, default=None),
    )


def _keys() -> dict[str, pl.Expr]:
    """Where a line, adjustment or remark belongs: its transaction, its claim and, below the claim, its line."""
    return {
        "transaction_position": pl.col("st_pos"),
        "claim_position": pl.col("clp_pos"),
        "line_position": pl.col("svc_pos"),
        "level": pl.when(pl.col("svc_pos").is_null()).then(pl.lit("claim")).otherwise(pl.lit("line")),
    }


def _remarks(part: _Loops, claims: pl.DataFrame) -> pl.DataFrame:
    """Remark codes (RARC) in the order sent: MOA03-07 and MIA05/MIA20-23 of the claim, LQ*HE of a line."""
    sources = [
        (part("claim", "MOA"), [3, 4, 5, 6, 7]),
        (part("claim", "MIA"), [5, 20, 21, 22, 23]),
        (part("line", "LQ").filter(_e(1) == "HE"), [2]),
    ]
    codes = pl.concat(
        [
            frame.select("clp_pos", "svc_pos", segment_position=_POS, segment_id=_SEG, element=pl.lit(i), code=_e(i))
            for frame, elements in sources
            for i in elements
        ]
    ).filter(pl.col("code").is_not_null())
    return (
        codes.sort("segment_position", "element")
        .join(claims.select("clp_pos", "st_pos", "claim_id"), on="clp_pos", how="left")
        .with_columns(**_keys())
    )


class _Checked:
    """Collects the issues of one file; typed() casts text cells and reports those that are not what they claim."""

    _NUMBER = r"^-?(\d+\.?\d*|\.\d+)$"

    def __init__(self, name: str) -> None:
        self._name = name
        self._found: list[pl.DataFrame] = []

    def add(self, issues: pl.DataFrame) -> None:
        self._found.append(issues.cast({"segment_position": pl.Int64, "claim_id": pl.String}))

    def issues(self) -> pl.DataFrame:
        found = pl.concat(self._found) if self._found else issue_frame([], self._name).drop("file")
        return found.select(pl.lit(self._name, pl.String).alias("file"), pl.all()).cast(ISSUE_SCHEMA)

    def typed(
        self, frame: pl.DataFrame, at: str, claim: str | None, columns: dict[str, tuple[str, pl.DataType]]
    ) -> pl.DataFrame:
        claim_id = pl.col(claim) if claim else pl.lit(None, pl.String)
        casts = {}
        for column, (label, dtype) in columns.items():
            raw = pl.col(column)
            if dtype == pl.Date:
                valid, value, what = (
                    raw.str.contains(r"^\d{8}$"),
                    raw.str.to_date("%Y%m%d", strict=False),
                    "a CCYYMMDD date",
                )
            else:
                valid, value, what = raw.str.contains(self._NUMBER), raw.cast(dtype, strict=False), "a number"
            bad = raw.is_not_null() & (~valid | value.is_null())
            self.add(
                frame.filter(bad).select(
                    claim_id=claim_id,
                    segment_position=pl.col(at),
                    segment_id=pl.lit(_segment_id(label)),
                    message=pl.format(f"{label} '{{}}' is not {what}; it was left empty", raw),
                )
            )
            casts[column] = pl.when(valid).then(value)
        return frame.with_columns(**casts)

    def balance(
        self, payments: pl.DataFrame, claims: pl.DataFrame, lines: pl.DataFrame, adjustments: pl.DataFrame
    ) -> None:
        """The 835's own arithmetic: a claim, a line or a transaction whose money does not add up lost something."""
        zero = pl.lit(0, MONEY)
        claim_cas = adjustments.group_by("clp_pos").agg(adjusted=pl.col("amount").sum())
        line_cas = (
            adjustments.filter(pl.col("svc_pos").is_not_null()).group_by("svc_pos").agg(adjusted=pl.col("amount").sum())
        )
        paid = claims.group_by("st_pos").agg(claims_paid=pl.col("paid").sum())
        checks = [
            (claims.join(claim_cas, on="clp_pos", how="left"), "clp_pos", "CLP",
             "CLP03 charge {} less CLP04 paid {} is {} but the claim's and its lines' adjustments (CAS) add up to {}"),
            (lines.join(line_cas, on="svc_pos", how="left"), "svc_pos", "SVC",
             "SVC02 charge {} less SVC03 paid {} is {} but the line's adjustments (CAS) add up to {}"),
        ]  # fmt: skip
        for frame, at, segment_id, message in checks:
            difference = pl.col("charge") - pl.col("paid")
            adjusted = pl.col("adjusted").fill_null(zero)
            self.add(
                frame.filter(difference != adjusted).select(
                    claim_id="claim_id",
                    segment_position=at,
                    segment_id=pl.lit(segment_id),
                    message=pl.format(message, "charge", "paid", difference, adjusted),
                )
            )
        totals = payments.join(paid, on="st_pos", how="left").with_columns(
            expected=pl.col("claims_paid").fill_null(zero) - pl.col("provider_adjustments").fill_null(zero)
        )
        self.add(
            totals.filter(pl.col("total_paid") != pl.col("expected")).select(
                claim_id=pl.lit(None, pl.String),
                segment_position="bpr_pos",
                segment_id=pl.lit("BPR"),
                message=pl.format(
                    "BPR02 total paid {} differs from the claims' CLP04 sum {} less the provider adjustments (PLB) {}",
                    "total_paid",
                    pl.col("claims_paid").fill_null(zero),
                    pl.col("provider_adjustments").fill_null(zero),
                ),
            )
        )

    def outside_claims(self, part: _Loops) -> None:
        """Claim and line segments before the transaction's first CLP belong to no claim."""
        stray = pl.concat([part("header", seg) for seg in _DETAIL])
        self.add(
            stray.select(
                claim_id=pl.lit(None, pl.String),
                segment_position=_POS,
                segment_id=_SEG,
                message=pl.lit("segment before any claim (CLP) of its transaction set; it was not read"),
            )
        )


def _segment_id(label: str) -> str:
    """`CLP` for `CLP03`, `CAS` for `CAS amount`; a qualified id such as `DTM*472` names itself, as in 837 issues."""
    return label if "*" in label else label.split(" ")[0].rstrip("0123456789")


def _history(claims: pl.DataFrame) -> pl.DataFrame:
    """How many remittances carry each claim id, their order, and which rows correct an earlier reversal."""
    reversal = (pl.col("status_code") == "22").cast(pl.Int64)
    ordered = claims.with_row_index("_row").sort("claim_id", "payment_date", "file", "claim_position", nulls_last=True)
    return (
        ordered.with_columns(
            remittance_rows=pl.len().over("claim_id").cast(pl.Int64),
            remittance_files=pl.col("file").n_unique().over("claim_id").cast(pl.Int64),
            sequence=pl.int_range(1, pl.len() + 1).over("claim_id"),
            correction=(reversal == 0)
            & (((reversal.cum_sum() - reversal).over("claim_id") > 0) | pl.col("frequency_code").eq_missing("7")),
        )
        .sort("_row")
        .drop("_row")
    )


def _separator_message(declared: str, actual: str, first: int) -> str:
    return (
        f"ISA16 declares {declared!r} as the component separator but the service lines use {actual!r} "
        f"(first in SVC01 at position {first}); the file was read with {actual!r}"
    )


def _shaped(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return frame.select([pl.col(column).cast(dtype) for column, dtype in schema.items()])


def _empty(issues: pl.DataFrame | None = None) -> RemitRead:
    tables = {name: pl.DataFrame(schema=schema) for name, schema in _SCHEMAS.items()}
    if issues is not None:
        tables["issues"] = issues.cast(ISSUE_SCHEMA)
    return RemitRead(**tables)


__all__ = ["RemitRead", "counts", "read_835", "read_remittances"]
