"""The findings' order is a function of their contents alone: a rerun, a sharded run or the same findings in
another order write the same bytes, and a finding reported twice is written once."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.findings import FINDING_SCHEMA, SORT_KEYS, in_stable_order


def finding(claim: str, line: int | None, rule: str, message: str, fix: str = "Correct the code.") -> dict:
    return {
        **dict.fromkeys(FINDING_SCHEMA),
        "claim_id": claim,
        "line_number": line,
        "rule_id": rule,
        "payer_id": "MCR",
        "message": message,
        "fix": fix,
        "severity": "error",
    }


def every_column_order(findings: pl.DataFrame) -> pl.DataFrame:
    """The specification: sorted on SORT_KEYS then every other column, repeats dropped."""
    keys = SORT_KEYS + [c for c in findings.columns if c not in SORT_KEYS]
    return findings.unique(maintain_order=True).sort(keys, nulls_last=True)


def test_two_diagnosis_findings_of_one_rule_on_one_claim_sort_by_message_and_a_repeat_is_dropped():
    findings = pl.DataFrame(
        [
            finding("C2", 1, "PTP002", "97140 is bundled into 98941 (NCCI)"),
            finding("C1", None, "DX001", "Z00.00X is not a valid ICD-10-CM code"),
            finding("C1", None, "DX001", "E11.9X is not a valid ICD-10-CM code"),
            finding("C1", None, "DX001", "E11.9X is not a valid ICD-10-CM code"),
            finding("C1", None, "DX001", "E11.9X is not a valid ICD-10-CM code", fix="Drop the code."),
        ],
        schema=FINDING_SCHEMA,
    )
    ordered = in_stable_order(findings)
    assert ordered.select("claim_id", "message", "fix").rows() == [
        ("C1", "E11.9X is not a valid ICD-10-CM code", "Correct the code."),
        ("C1", "E11.9X is not a valid ICD-10-CM code", "Drop the code."),
        ("C1", "Z00.00X is not a valid ICD-10-CM code", "Correct the code."),
        ("C2", "97140 is bundled into 98941 (NCCI)", "Correct the code."),
    ]


few = st.sampled_from
rows = st.builds(
    finding,
    claim=few(["C1", "C2", "C3"]),
    line=st.none() | few([1, 2]),
    rule=few(["DX001", "MUE001"]),
    message=few(["a", "b"]),
    fix=few(["x", "y"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(rows, max_size=40))
def test_any_findings_in_any_order_come_out_sorted_on_every_column_without_repeats(findings):
    frame = pl.DataFrame(findings, schema=FINDING_SCHEMA)
    assert in_stable_order(frame).equals(every_column_order(frame))
    assert in_stable_order(frame.reverse()).equals(in_stable_order(frame))
