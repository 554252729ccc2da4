"""Find the 837 loops of each segment and build the claims, lines and patients tables.

Every step is a Polars expression over the whole segment table: a loop is the
most recent opening segment (HL, CLM, LX, SBR) before a segment, found with a
forward fill that restarts where the enclosing loop starts over.
"""

from __future__ import annotations

import hashlib

import polars as pl

from scrubber.batch.x12_checks import claim_issues, patients_and_conflicts
from scrubber.x12.envelope import ISSUE_SCHEMA
from scrubber.x12.segments import first_of, joined, opened

CLAIM_COLUMNS = [
    "claim_id", "patient_id", "member_id", "payer_id", "claim_type", "billing_npi", "rendering_npi",
    "referring_npi", "place_of_service", "diagnosis_codes", "prior_auth_number", "frequency_code",
    "total_charge", "type_of_bill", "payer_claim_number", "clia_number", "source_file", "source_segment",
]  # fmt: skip
LINE_COLUMNS = [
    "claim_id", "line_number", "procedure_code", "modifiers", "units", "charge", "service_date",
    "diagnosis_pointers", "place_of_service", "ndc", "ndc_unit", "ndc_quantity", "description", "rendering_npi",
    "revenue_code", "source_segment", "unit_type",
]  # fmt: skip
PATIENT_COLUMNS = ["patient_id", "birth_date", "sex"]

_PRINCIPAL = ["ABK", "BK"]  # ICD-10 and the ICD-9 qualifier of the TR3 examples
_OTHER_DX = ["ABF", "BF"]
_SEG, _POS = pl.col("seg"), pl.col("pos")
# The only segments the mapping reads once each segment knows its loops.
_READ = ["NM1", "DMG", "CLM", "HI", "REF", "DTP", "LX", "SV1", "SV2", "LIN", "CTP", "NTE"]


def _e(i: int) -> pl.Expr:
    return pl.col(f"e{i}")


def _iso(value: pl.Expr) -> pl.Expr:
    """D8 CCYYMMDD, or the start of an RD8 range, as YYYY-MM-DD; anything else as written."""
    start = value.str.split("-").list.first()
    iso = pl.concat_str(start.str.slice(0, 4), start.str.slice(4, 2), start.str.slice(6, 2), separator="-")
    return pl.when(start.str.contains(r"^\d{8}$")).then(iso).otherwise(value)


def _components(value: pl.Expr, component: str) -> pl.Expr:
    return value.str.split(component)


class _Loops:
    """The read segments split once by (loop, segment id); loop is hl20/hl22/hl23, claim or line."""

    def __init__(self, segments: pl.DataFrame, transactions: pl.DataFrame) -> None:
        is_st, is_hl, is_clm = _SEG == "ST", _SEG == "HL", _SEG == "CLM"
        level = _e(3)
        located = segments.with_columns(
            hl_pos=opened(is_hl, is_st),
            hl_level=pl.when(is_hl).then(level.fill_null("")).when(is_st).then(pl.lit("")).forward_fill(),
            bp_pos=opened(is_hl & (level == "20"), is_st),
            sub_pos=opened(is_hl & (level == "22"), is_st | (is_hl & (level == "20"))),
            clm_pos=opened(is_clm, is_st | is_hl),
            lx_pos=opened(_SEG == "LX", is_st | is_hl | is_clm),
            # An SBR after CLM opens the other-payer loops 2320/2330, whose data is not this claim's.
            other_pos=opened(_SEG == "SBR", is_st | is_hl | is_clm),
        ).join_asof(transactions.sort("st_pos"), left_on="pos", right_on="st_pos", strategy="backward")
        loop = (
            pl.when(pl.col("clm_pos").is_null()).then(pl.concat_str(pl.lit("hl"), pl.col("hl_level")))
            .when(pl.col("lx_pos").is_not_null()).then(pl.lit("line"))
            .when(pl.col("other_pos").is_null()).then(pl.lit("claim"))
        )  # fmt: skip
        read = located.filter((pl.col("end_pos") >= _POS) & _SEG.is_in(_READ)).with_columns(loop=loop)
        self._empty = read.clear()
        self._parts = read.drop_nulls("loop").partition_by(["loop", "seg"], as_dict=True)

    def __call__(self, loop: str, seg: str) -> pl.DataFrame:
        return self._parts.get((loop, seg), self._empty)


def build_tables(
    segments: pl.DataFrame, transactions: pl.DataFrame, component: str, name: str
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    part = _Loops(segments, transactions)
    billing = first_of(part("hl20", "NM1").filter(_e(1) == "85"), "hl_pos", billing_npi=_e(9))
    member = first_of(part("hl22", "NM1").filter(_e(1) == "IL"), "hl_pos", member_id=_e(9))
    payer = first_of(part("hl22", "NM1").filter(_e(1) == "PR"), "hl_pos", payer_id=_e(9))
    sub_dmg = first_of(part("hl22", "DMG"), "hl_pos", sub_birth=_iso(_e(2)), sub_sex=_e(3))
    dep_name = first_of(part("hl23", "NM1").filter(_e(1) == "QC"), "hl_pos", dep_last=_e(3), dep_first=_e(4))
    dep_dmg = first_of(part("hl23", "DMG"), "hl_pos", dep_birth=_iso(_e(2)), dep_sex=_e(3))

    clm05 = _components(_e(5), component)
    claims = part("claim", "CLM").select(
        "clm_pos", "hl_pos", "hl_level", "bp_pos", "sub_pos", "claim_type",
        claim_id=_e(1), total_charge=_e(2), clm05_1=clm05.list.get(0, null_on_oob=True),
        frequency_code=clm05.list.get(2, null_on_oob=True),
    )  # fmt: skip
    claim_nm1 = part("claim", "NM1")
    referring = claim_nm1.filter(_e(1).is_in(["DN", "P3"])).sort(_e(1) != "DN", "pos")
    claim_parts = [
        _diagnoses(part("claim", "HI"), component),
        first_of(part("claim", "REF").filter(_e(1) == "G1"), "clm_pos", prior_auth_number=_e(2)),
        # REF*F8: the payer's claim number a replacement or void (frequency 7/8) restates.
        first_of(part("claim", "REF").filter(_e(1) == "F8"), "clm_pos", payer_claim_number=_e(2)),
        # REF*X4 (837P 2300): the CLIA number of the lab that performed the claim's tests.
        first_of(part("claim", "REF").filter(_e(1) == "X4"), "clm_pos", clia_number=_e(2)),
        first_of(claim_nm1.filter(_e(1) == "82"), "clm_pos", rendering_npi=_e(9)),
        first_of(referring, "clm_pos", referring_npi=_e(9)),
        first_of(part("claim", "DTP").filter(_e(1) == "434"), "clm_pos", statement_start=_iso(_e(3))),
    ]
    for claim_part in claim_parts:
        claims = claims.join(claim_part, on="clm_pos", how="left")
    claims = (
        claims.join(billing.rename({"hl_pos": "bp_pos"}), on="bp_pos", how="left")
        .join(member.rename({"hl_pos": "sub_pos"}), on="sub_pos", how="left")
        .join(payer.rename({"hl_pos": "sub_pos"}), on="sub_pos", how="left")
        .join(sub_dmg.rename({"hl_pos": "sub_pos"}), on="sub_pos", how="left")
        .join(dep_name, on="hl_pos", how="left")
        .join(dep_dmg, on="hl_pos", how="left")
    )
    lines = _lines(part, component)
    has_sv2 = lines.filter(pl.col("revenue_code").is_not_null()).select("clm_pos").unique().with_columns(sv2=True)
    claims = claims.join(has_sv2, on="clm_pos", how="left").with_columns(
        claim_type=pl.col("claim_type").fill_null(
            pl.when(pl.col("sv2")).then(pl.lit("institutional")).otherwise(pl.lit("professional"))
        )
    )
    claims = _patients_of(claims)
    orphan_lines = pl.concat([part(f"hl{level}", "LX") for level in ["20", "22", "23"]])
    return _finish(claims, lines, orphan_lines, name)


def _diagnoses(hi: pl.DataFrame, component: str) -> pl.DataFrame:
    """HI composites in order: principal (ABK/BK) first, then the others (ABF/BF)."""
    hi = hi.unpivot(index=["clm_pos", "pos"], on=[f"e{i}" for i in range(1, 13)], variable_name="element")
    parts = _components(pl.col("value"), component)
    return (
        hi.filter(pl.col("value").is_not_null())
        .with_columns(qualifier=parts.list.get(0), code=parts.list.get(1, null_on_oob=True))
        .filter(pl.col("qualifier").is_in(_PRINCIPAL + _OTHER_DX) & pl.col("code").is_not_null())
        .with_columns(rank=pl.col("qualifier").is_in(_OTHER_DX), element=pl.col("element").str.slice(1).cast(pl.Int64))
        .sort("clm_pos", "rank", "pos", "element")
        .group_by("clm_pos", maintain_order=True)
        .agg(diagnosis_codes=pl.col("code").str.join(";"))
    )


def _lines(part: _Loops, component: str) -> pl.DataFrame:
    sv1_proc, sv2_proc = _components(_e(1), component), _components(_e(2), component)
    service = pl.concat(
        [
            first_of(
                part("line", "SV1"),
                "lx_pos",
                proc=sv1_proc,
                charge=_e(2),
                unit_type=_e(3),
                units=_e(4),
                place_of_service=_e(5),
                diagnosis_pointers=joined(_components(_e(7), component)),
                revenue_code=pl.lit(None, pl.String),
            ),
            first_of(
                part("line", "SV2"),
                "lx_pos",
                proc=sv2_proc,
                charge=_e(3),
                unit_type=_e(4),
                units=_e(5),
                place_of_service=pl.lit(None, pl.String),
                diagnosis_pointers=pl.lit(None, pl.String),
                revenue_code=_e(1),
            ),
        ]
    ).unique(subset="lx_pos", keep="first", maintain_order=True)
    lines = part("line", "LX").select("lx_pos", "clm_pos", line_number=_e(1))
    for line_part in [
        service.with_columns(
            procedure_code=pl.col("proc").list.get(1, null_on_oob=True),
            modifiers=joined(pl.col("proc").list.slice(2, 4)),
            service_description=pl.col("proc").list.get(6, null_on_oob=True),  # SV101-7 / SV202-7
            has_service=pl.lit(True),
        ).drop("proc"),
        first_of(part("line", "DTP").filter(_e(1) == "472"), "lx_pos", service_date=_iso(_e(3))),
        first_of(part("line", "LIN").filter(_e(2) == "N4"), "lx_pos", ndc=_e(3)),
        # 2410 CTP: CTP04 the drug quantity, CTP05-1 its unit (the first drug's, as for the NDC).
        first_of(
            part("line", "CTP"),
            "lx_pos",
            ndc_quantity=_e(4),
            ndc_unit=_components(_e(5), component).list.get(0, null_on_oob=True),
        ),
        first_of(part("line", "NM1").filter(_e(1) == "82"), "lx_pos", line_rendering_npi=_e(9)),
        first_of(part("line", "NTE"), "lx_pos", line_note=_e(2)),
    ]:
        lines = lines.join(line_part, on="lx_pos", how="left")
    # What the service is in words: SV101-7 / SV202-7, else the line note (2400 NTE02).
    lines = lines.with_columns(description=pl.coalesce("service_description", "line_note"))
    ordinal = (pl.int_range(pl.len()).over("clm_pos") + 1).cast(pl.String)
    return lines.with_columns(line_number=pl.col("line_number").fill_null(ordinal))


def _patients_of(claims: pl.DataFrame) -> pl.DataFrame:
    """patient_id, birth_date and sex of each claim (see the module docstring of x12 for the rule)."""
    dependent = pl.col("hl_level") == "23"
    claims = claims.with_columns(
        dependent=dependent,
        birth_date=pl.when(dependent).then(pl.col("dep_birth")).otherwise(pl.col("sub_birth")),
        sex=pl.when(dependent).then(pl.col("dep_sex")).otherwise(pl.col("sub_sex")),
    )
    key = pl.concat_str(
        [pl.col(c).fill_null("").str.strip_chars().str.to_uppercase() for c in
         ["member_id", "dep_last", "dep_first", "birth_date"]], separator="|",
    )  # fmt: skip
    # Hashing runs once per distinct dependent, not per claim.
    keys = claims.filter(pl.col("dependent") & pl.col("member_id").is_not_null()).select(key=key).unique()
    digests = keys.with_columns(
        digest=pl.Series([hashlib.sha256(k.encode()).hexdigest()[:8] for k in keys["key"]], dtype=pl.String)
    )
    return (
        claims.with_columns(key=key)
        .join(digests, on="key", how="left")
        .with_columns(
            patient_id=pl.when(pl.col("dependent"))
            .then(pl.concat_str(pl.col("member_id"), pl.col("digest"), separator="-"))
            .otherwise(pl.col("member_id"))
        )
    )


def _finish(
    claims: pl.DataFrame, lines: pl.DataFrame, orphan_lines: pl.DataFrame, name: str
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    professional = pl.col("claim_type") == "professional"
    claims = claims.with_columns(
        place_of_service=pl.when(professional).then(pl.col("clm05_1")),
        type_of_bill=pl.when(~professional).then(pl.concat_str("clm05_1", "frequency_code")),
        source_file=pl.lit(name),
        source_segment=pl.col("clm_pos").cast(pl.String),
    )
    lines = lines.join(
        claims.select("clm_pos", "claim_id", "claim_type", "rendering_npi", "statement_start"), on="clm_pos", how="left"
    ).with_columns(
        rendering_npi=pl.coalesce("line_rendering_npi", "rendering_npi"),
        service_date=pl.coalesce(
            "service_date", pl.when(pl.col("claim_type") == "institutional").then(pl.col("statement_start"))
        ),
        source_segment=pl.col("lx_pos").cast(pl.String),
    )
    issues = claim_issues(claims, lines, orphan_lines, name)
    claims, lines = claims.filter(pl.col("claim_id").is_not_null()), lines.filter(pl.col("claim_id").is_not_null())
    patients, conflicts = patients_and_conflicts(claims, name)
    return (
        _text(claims, CLAIM_COLUMNS),
        _text(lines, LINE_COLUMNS),
        _text(patients, PATIENT_COLUMNS),
        pl.concat([issues, conflicts]).cast(ISSUE_SCHEMA),
    )


def _text(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Exactly the given columns, as strings, empty cells null."""
    cells = [pl.col(c).cast(pl.String) for c in columns]
    return frame.select([pl.when(cell != "").then(cell).alias(c) for cell, c in zip(cells, columns, strict=True)])
