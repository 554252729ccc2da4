"""Envelope (ISA/IEA, GS/GE, ST/SE) and version checks of an X12 file (837 claims, 835 remittances).

The checks walk only the control segments (a handful per file, one pair per
transaction set), so a Python loop here costs nothing per claim.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

ISSUE_SCHEMA = {
    "file": pl.String,
    "claim_id": pl.String,
    "segment_position": pl.Int64,
    "segment_id": pl.String,
    "message": pl.String,
}
TRANSACTION_SCHEMA = {"st_pos": pl.Int64, "end_pos": pl.Int64, "claim_type": pl.String}

_CONTROL = ["ISA", "IEA", "GS", "GE", "ST", "SE"]
# A wrong terminator or a truncated file can turn thousands of segments bad;
# the first few tell the sender what to fix.
_MAX_BAD_IDS = 20


@dataclass
class _Open:
    pos: int
    control: str | None
    version: str | None = None
    children: int = 0
    unsupported_reported: set[str] = field(default_factory=set)


def issue_frame(rows: list[tuple[str | None, int, str, str]], name: str) -> pl.DataFrame:
    """Issues from (claim_id, segment_position, segment_id, message) tuples."""
    frame = pl.DataFrame(rows, schema={k: v for k, v in ISSUE_SCHEMA.items() if k != "file"}, orient="row")
    return frame.select(pl.lit(name, pl.String).alias("file"), pl.all())


def claim_type_of(version: str | None) -> str | None:
    """`professional`, `institutional`, `` (decide from the lines) or None (not supported)."""
    if not version or version == "005010":
        return ""
    if version.startswith("005010X222"):
        return "professional"
    if version.startswith("005010X223"):
        return "institutional"
    return None


def _remittance_of(version: str | None) -> str | None:
    """`` for a 5010 835 (005010X221, with or without A1), None for other versions."""
    return "" if not version or version == "005010" or version.startswith("005010X221") else None


@dataclass(frozen=True)
class TransactionSet:
    """What a reader reads: the ST01 code, its name in messages, and the versions it supports."""

    code: str
    title: str
    kind_of: Callable[[str | None], str | None]  # version -> kind of transaction ('' = undecided), None = unsupported
    supported: str  # the versions to send, in words


CLAIMS_837 = TransactionSet("837", "837 health care claim", claim_type_of, "5010 (005010X222A1 or 005010X223A2)")
REMITTANCE_835 = TransactionSet("835", "835 health care claim payment/advice", _remittance_of, "5010 (005010X221A1)")


def check_envelopes(segments: pl.DataFrame, name: str, kind: TransactionSet) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The `kind` transaction sets to read (st_pos, end_pos, claim_type) and the issues found."""
    control = segments.filter(pl.col("seg").is_in(_CONTROL)).select("pos", "seg", "e1", "e2", "e3", "e6", "e8", "e13")
    issues: list[tuple[str | None, int, str, str]] = []
    readable: list[tuple[int, int, str | None]] = []
    spans: list[tuple[int, int]] = []  # every transaction set, read or not
    isa: _Open | None = None
    gs: _Open | None = None
    st: _Open | None = None
    st_type: str | None = None

    def add(pos: int, seg: str, message: str) -> None:
        issues.append((None, pos, seg, message))

    def close_st(end: int) -> None:
        nonlocal st
        assert st is not None
        spans.append((st.pos, end))
        if st_type is not None:
            readable.append((st.pos, end, st_type or None))
        st = None

    def close_unended_st(pos: int, before: str) -> None:
        """A transaction set still open when a later envelope segment arrives lacks its SE."""
        if st is not None:
            add(pos, "SE", f"the transaction set opened by ST at position {st.pos} has no SE before {before}")
            close_st(pos - 1)

    for pos, seg, e1, e2, e3, e6, e8, e13 in control.iter_rows():
        if seg == "ISA":
            if isa is not None:
                add(pos, "IEA", f"the interchange opened by ISA at position {isa.pos} has no IEA before this ISA")
                if st is not None:
                    close_st(pos - 1)
                gs = None
            isa = _Open(pos, e13)
        elif seg == "GS":
            if isa is None:
                add(pos, "GS", "GS functional group outside an ISA interchange")
            elif gs is not None:
                add(pos, "GE", f"the functional group opened by GS at position {gs.pos} has no GE before this GS")
                if st is not None:
                    close_st(pos - 1)
            if isa is not None:
                isa.children += 1
            gs = _Open(pos, e6, version=e8)
        elif seg == "ST":
            close_unended_st(pos, "this ST")
            if gs is None:
                add(pos, "ST", "ST transaction set outside a GS functional group")
            else:
                gs.children += 1
            st = _Open(pos, e2)
            version = e3 or (gs.version if gs else None)
            st_type = kind.kind_of(version) if e1 == kind.code else None
            if e1 != kind.code:
                add(pos, "ST", f"transaction set {e1} is not an {kind.title}; it was not read")
            elif st_type is None:
                owner = gs or st  # one message per functional group and version
                if version not in owner.unsupported_reported:
                    owner.unsupported_reported.add(version)
                    message = f"X12 version {version} is not supported; send {kind.supported}"
                    add(owner.pos, "GS" if gs else "ST", message)
        elif seg == "SE":
            if st is None:
                add(pos, "SE", "SE without a matching ST")
                continue
            count = pos - st.pos + 1
            if e1 != str(count):
                add(pos, "SE", f"SE01 says {e1} segments but the transaction set from ST at position {st.pos} "
                               f"has {count}")  # fmt: skip
            if e2 != st.control:
                add(pos, "SE", f"SE02 control number {e2} does not match ST02 {st.control}")
            close_st(pos)
        elif seg == "GE":
            close_unended_st(pos, "GE")
            if gs is None:
                add(pos, "GE", "GE without a matching GS")
                continue
            if e1 != str(gs.children):
                add(pos, "GE", f"GE01 says {e1} transaction sets but the group from GS at position {gs.pos} "
                               f"has {gs.children}")  # fmt: skip
            if e2 != gs.control:
                add(pos, "GE", f"GE02 control number {e2} does not match GS06 {gs.control}")
            gs = None
        else:  # IEA
            close_unended_st(pos, "IEA")
            if gs is not None:
                add(pos, "GE", f"the functional group opened by GS at position {gs.pos} has no GE before IEA")
                gs = None
            if isa is None:
                add(pos, "IEA", "IEA without a matching ISA")
                continue
            if e1 != str(isa.children):
                add(pos, "IEA", f"IEA01 says {e1} functional groups but the interchange has {isa.children}")
            if e2 != isa.control:
                add(pos, "IEA", f"IEA02 control number {e2} does not match ISA13 {isa.control}")
            isa = None

    last = segments.height
    if st is not None:
        add(last, "SE", f"the transaction set opened by ST at position {st.pos} has no SE: the file ends first")
        close_st(last)
    if gs is not None:
        add(last, "GE", f"the functional group opened by GS at position {gs.pos} has no GE: the file ends first")
    if isa is not None:
        add(last, "IEA", f"the interchange opened by ISA at position {isa.pos} has no IEA: the file ends first")
    if not spans:
        add(1, "ST", "the file holds no transaction set (ST); no claims were read")

    issue_rows = issue_frame(issues, name)
    structural = _structural_issues(segments, spans, name)
    transactions = pl.DataFrame(readable, schema=TRANSACTION_SCHEMA, orient="row")
    return transactions, pl.concat([issue_rows, structural])


def _structural_issues(segments: pl.DataFrame, spans: list[tuple[int, int]], name: str) -> pl.DataFrame:
    """Segments outside any ST/SE, and segment ids that are not X12 ids."""
    span_frame = pl.DataFrame(spans, schema={"st_pos": pl.Int64, "end_pos": pl.Int64}, orient="row").sort("st_pos")
    located = segments.select("pos", "seg").join_asof(span_frame, left_on="pos", right_on="st_pos", strategy="backward")
    outside = located.with_columns(
        out=~pl.col("seg").is_in(_CONTROL) & ~(pl.col("end_pos") >= pl.col("pos")).fill_null(False)
    ).with_columns(run=pl.col("out").rle_id())
    runs = (
        outside.filter("out")
        .group_by("run", maintain_order=True)
        .agg(first=pl.col("pos").first(), last=pl.col("pos").last(), seg=pl.col("seg").first())
        .select(
            claim_id=pl.lit(None, pl.String),
            segment_position=pl.col("first"),
            segment_id=pl.col("seg"),
            message=pl.format(
                "segments at positions {} to {} lie outside any ST/SE transaction set and were not read",
                "first",
                "last",
            ),
        )
    )
    bad_ids = (
        segments.filter(~pl.col("seg").str.contains(r"^[A-Z][A-Z0-9]{1,2}$"))
        .head(_MAX_BAD_IDS)
        .select(
            claim_id=pl.lit(None, pl.String),
            segment_position=pl.col("pos"),
            segment_id=pl.col("seg").str.slice(0, 10),
            message=pl.format(
                "{} is not an X12 segment id; a segment terminator may be missing or differ from the one ISA declares",
                pl.col("seg").str.slice(0, 20),
            ),
        )
    )
    return pl.concat([runs, bad_ids]).select(pl.lit(name, pl.String).alias("file"), pl.all())
