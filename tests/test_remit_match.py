"""Matching the payers' denials to the scrubber's findings: which denials the rules foresaw, on real codes.

Each test builds the earlier runs (their findings and billed lines) and an 835 as a payer would send it,
then states what a biller reads off the match.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl

from scrubber.remit.match import FINDING_HISTORY_SCHEMA, LINE_HISTORY_SCHEMA, NOT_DENIALS, ScrubHistory, match
from scrubber.remit.x835 import read_remittances

D = Decimal
SENT = dt.date(2026, 9, 14)  # the night run before the claims went out
EARLIER = dt.date(2026, 9, 10)


def run_history(findings: list[tuple], lines: list[tuple]) -> ScrubHistory:
    """findings: (run date, claim, line or None, rule, denial code, severity); lines: (run date, claim, line,
    procedure code, service date). A run is named by its date, as reports/<as-of>/ is."""
    return ScrubHistory(
        pl.DataFrame(
            [(d.isoformat(), d, c, n, r, code, s) for d, c, n, r, code, s in findings],
            schema=["run", "run_as_of", "claim_id", "line_number", "rule_id", "denial_code", "severity"],
            orient="row",
        ).select(list(FINDING_HISTORY_SCHEMA)).cast(FINDING_HISTORY_SCHEMA),
        pl.DataFrame(
            [(d.isoformat(), d, c, n, p, dt.date.fromisoformat(s)) for d, c, n, p, s in lines],
            schema=list(LINE_HISTORY_SCHEMA),
            orient="row",
        ).cast(LINE_HISTORY_SCHEMA),
    )  # fmt: skip


def remittance(*claims: list[str], on: str = "20261002", payer: str = "MEDICARE", control: int = 1) -> str:
    """One 835 interchange (005010X221A1) paying on `on`; BPR02 is the sum of CLP04."""
    body = [segment for claim in claims for segment in claim]
    total = sum(D(s.split("*")[4]) for s in body if s.startswith("CLP*"))
    st = ["ST*835*0001", f"BPR*I*{total:.2f}*C*ACH*CCP*01*999999999*DA*1*1234567893**01*888888888*DA*2*{on}",
          f"TRN*1*EFT{control}*1234567893", f"DTM*405*{on}", f"N1*PR*{payer}*XV*{payer}",
          "N1*PE*DEMO CLINIC*XX*1234567893", "LX*1", *body]  # fmt: skip
    st.append(f"SE*{len(st) + 1}*0001")
    isa = (f"ISA*00*          *00*          *ZZ*PAYER          *ZZ*CLINIC         *{on[2:]}*1200*^*00501*"
           f"{control:09d}*0*P*:")  # fmt: skip
    return "~\n".join([isa, f"GS*HP*PAYER*CLINIC*{on}*1200*{control}*X*005010X221A1", *st, f"GE*1*{control}",
                       f"IEA*1*{control:09d}"]) + "~\n"  # fmt: skip


def matched(tmp_path: Path, history: ScrubHistory, *files: str):
    folder = tmp_path / "remits"
    folder.mkdir()
    for n, text in enumerate(files, 1):
        (folder / f"remit{n}.835").write_text(text, encoding="utf-8")
    read = read_remittances(folder)
    assert read.issues.height == 0, read.issues.to_dicts()
    return match(read, history)


def classes(result) -> list[tuple]:
    return result.denials.filter("current").select("claim_id", "our_line_number", "denial_code", "class").rows()


# An office visit and an A1c on 2026-09-01 for a Medicare patient.
VISIT_AND_LAB = [(SENT, "C1", 1, "99214", "2026-09-01"), (SENT, "C1", 2, "83036", "2026-09-01")]


def paid_visit_denied_lab(lab_carc: str = "50", group: str = "CO") -> list[str]:
    """The visit paid (allowed 132.00: CO-45 33.00, coinsurance PR-2 26.40), the A1c denied in full."""
    return [
        "CLP*C1*1*193.00*105.60*26.40*MB*PCN1",
        "SVC*HC:99214*165.00*105.60**1", "DTM*472*20260901", "CAS*CO*45*33.00", "CAS*PR*2*26.40",
        "SVC*HC:83036*28.00*0**1", "DTM*472*20260901", f"CAS*{group}*{lab_carc}*28.00", "LQ*HE*N115",
    ]  # fmt: skip


def test_a_denial_with_the_carc_the_open_finding_named_was_predicted_and_sent_anyway(tmp_path):
    history = run_history([(SENT, "C1", 2, "NCD001", "CO-50", "warning")], VISIT_AND_LAB)
    result = matched(tmp_path, history, remittance(paid_visit_denied_lab("50")))
    assert classes(result) == [("C1", 2, "CO-50", "predicted, sent anyway")]
    denial = result.denials.row(0, named=True)
    assert (denial["match"], denial["predicted_by"], denial["amount"]) == ("same CARC", "NCD001", D("28.00"))
    assert result.findings.select("rule_id", "outcome").rows() == [("NCD001", "denied as predicted")]


def test_a_finding_cleared_before_the_claim_went_out_still_predicted_the_denial(tmp_path):
    """NCD001 fired on 09-10; the diagnosis was changed and the run of 09-14 (the last before sending) was clean:
    the payer denied CO-50 anyway. Predicted, not sent anyway."""
    lines = [(EARLIER, "C1", 1, "99214", "2026-09-01"), (EARLIER, "C1", 2, "83036", "2026-09-01"), *VISIT_AND_LAB]
    history = run_history([(EARLIER, "C1", 2, "NCD001", "CO-50", "warning")], lines)
    result = matched(tmp_path, history, remittance(paid_visit_denied_lab("50")))
    assert classes(result) == [("C1", 2, "CO-50", "predicted")]
    assert result.findings.select("rule_id", "open_when_sent", "outcome").rows() == [
        ("NCD001", False, "denied as predicted")
    ]


def test_a_carc_of_the_same_family_counts_as_predicted(tmp_path):
    """PTP001 names CO-97 (included in another service); the payer sent CO-234 (not paid separately)."""
    history = run_history([(SENT, "C1", 2, "PTP001", "CO-97", "error")], VISIT_AND_LAB)
    result = matched(tmp_path, history, remittance(paid_visit_denied_lab("234")))
    assert classes(result) == [("C1", 2, "CO-234", "predicted, sent anyway")]
    assert result.denials["match"].to_list() == ["same family"]


def test_a_finding_naming_another_reason_or_another_line_did_not_predict_the_denial(tmp_path):
    history = run_history(
        [(SENT, "C1", 2, "LAB001", "CO-16", "error"), (SENT, "C1", 1, "NCD001", "CO-50", "warning")], VISIT_AND_LAB
    )
    result = matched(tmp_path, history, remittance(paid_visit_denied_lab("50")))
    assert classes(result) == [("C1", 2, "CO-50", "not predicted")]
    assert result.denials["other_findings"].to_list() == ["LAB001"]  # line 1's NCD001 is not on the denied line
    outcomes = dict(result.findings.select("rule_id", "outcome").rows())
    assert outcomes == {"LAB001": "denied for another reason", "NCD001": "fired but paid in full"}


def test_a_claim_level_finding_meets_every_line_denial_of_its_claim(tmp_path):
    """ELIG001 speaks of the claim as a whole (no coverage): a line denied CO-27 was foreseen by it."""
    history = run_history([(SENT, "C1", None, "ELIG001", "CO-27", "error")], VISIT_AND_LAB)
    result = matched(tmp_path, history, remittance(paid_visit_denied_lab("27")))
    assert classes(result) == [("C1", 2, "CO-27", "predicted, sent anyway")]


def test_fee_schedule_sequestration_and_cost_sharing_are_not_denials_but_a_pr_non_covered_service_is(tmp_path):
    claim = [
        "CLP*C1*1*193.00*103.49*36.40*MB*PCN1",
        "SVC*HC:99214*165.00*103.49**1", "DTM*472*20260901", "CAS*CO*45*33.00**253*2.11", "CAS*PR*1*10.00**2*16.40",
        "SVC*HC:83036*28.00*0**1", "DTM*472*20260901", "CAS*PR*204*10.00", "CAS*CO*45*18.00",
    ]  # fmt: skip
    result = matched(tmp_path, run_history([], VISIT_AND_LAB), remittance(claim))
    assert classes(result) == [("C1", 2, "PR-204", "not predicted")]
    assert {"1", "2", "3", "45", "253"} <= set(NOT_DENIALS)


def test_a_warning_on_a_line_the_payer_paid_is_fired_but_paid_in_full(tmp_path):
    """MOD009 warned on the visit; the payer paid it with its fee-schedule cut and the coinsurance only."""
    history = run_history([(SENT, "C1", 1, "MOD009", "CO-4", "warning")], VISIT_AND_LAB)
    result = matched(tmp_path, history, remittance(paid_visit_denied_lab("50")))
    assert result.findings.select("rule_id", "line_number", "outcome").rows() == [
        ("MOD009", 1, "fired but paid in full")
    ]


def test_a_claim_no_run_saw_is_counted_as_not_scrubbed(tmp_path):
    claim = ["CLP*C9*4*120.00*0*0*CI*PCN9", "CAS*CO*31*120.00"]
    result = matched(tmp_path, run_history([], VISIT_AND_LAB), remittance(claim))
    assert classes(result) == [("C9", None, "CO-31", "not scrubbed")]
    assert result.claims.select("claim_id", "scrubbed", "current").rows() == [("C9", False, True)]


def test_runs_dated_after_the_remittance_do_not_predict_it(tmp_path):
    """A run on 10-05 (after the 835 of 10-02) flagged the claim: that is hindsight, not a prediction."""
    later = dt.date(2026, 10, 5)
    lines = [*VISIT_AND_LAB, (later, "C1", 1, "99214", "2026-09-01"), (later, "C1", 2, "83036", "2026-09-01")]
    history = run_history([(later, "C1", 2, "NCD001", "CO-50", "warning")], lines)
    result = matched(tmp_path, history, remittance(paid_visit_denied_lab("50")))
    assert classes(result) == [("C1", 2, "CO-50", "not predicted")]
    assert result.claims["last_run"].to_list() == [SENT.isoformat()]


def test_a_reversal_supersedes_its_payment_and_the_correction_is_the_current_answer(tmp_path):
    """Paid on 10-02 with the A1c denied CO-50; on 10-16 the payer reverses that payment (CLP02 22, every amount
    negated) and pays the claim again in full: the CO-50 denial no longer counts, nothing in the reversal does."""
    history = run_history([(SENT, "C1", 2, "NCD001", "CO-50", "warning")], VISIT_AND_LAB)
    reversal = [
        "CLP*C1*22*-193.00*-105.60*-26.40*MB*PCN1",
        "SVC*HC:99214*-165.00*-105.60**1", "DTM*472*20260901", "CAS*CO*45*-33.00", "CAS*PR*2*-26.40",
        "SVC*HC:83036*-28.00*0**1", "DTM*472*20260901", "CAS*CO*50*-28.00",
    ]  # fmt: skip
    correction = [
        "CLP*C1*1*193.00*123.52*30.88*MB*PCN1",
        "SVC*HC:99214*165.00*105.60**1", "DTM*472*20260901", "CAS*CO*45*33.00", "CAS*PR*2*26.40",
        "SVC*HC:83036*28.00*17.92**1", "DTM*472*20260901", "CAS*CO*45*5.60", "CAS*PR*2*4.48",
    ]  # fmt: skip
    result = matched(
        tmp_path,
        history,
        remittance(paid_visit_denied_lab("50")),
        remittance(reversal, correction, on="20261016", control=2),
    )
    assert result.claims.select("status_code", "superseded", "current", "correction").rows() == [
        ("1", True, False, False),
        ("22", False, False, False),
        ("1", False, True, True),
    ]
    assert result.denials.select("denial_code", "superseded", "class").rows() == [
        ("CO-50", True, "predicted, sent anyway")
    ]
    assert classes(result) == []
    # Judged against the runs before the claim's first remittance: the warning was open, the line got paid.
    assert result.findings.select("rule_id", "outcome").rows() == [("NCD001", "fired but paid in full")]
    assert result.lines.filter("current")["our_line_number"].to_list() == [1, 2]


def test_a_claim_split_across_two_835s_matches_each_line_by_code_date_and_position(tmp_path):
    """Two units of therapeutic exercise billed as two lines (97110 on lines 1 and 2) and manual therapy (97140):
    the first file pays 97140 and the first 97110, the second denies the other 97110 for frequency (CO-151). The
    second 97110 of the claim is our line 2, where MUE001 warned."""
    lines = [(SENT, "C5", 1, "97110", "2026-09-03"), (SENT, "C5", 2, "97110", "2026-09-03"),
             (SENT, "C5", 3, "97140", "2026-09-03")]  # fmt: skip
    history = run_history([(SENT, "C5", 2, "MUE001", "CO-151", "error")], lines)
    first = [
        "CLP*C5*1*90.00*57.60*14.40*MB*PCN5",
        "SVC*HC:97140*45.00*28.80**1", "DTM*472*20260903", "CAS*CO*45*9.00", "CAS*PR*2*7.20",
        "SVC*HC:97110*45.00*28.80**1", "DTM*472*20260903", "CAS*CO*45*9.00", "CAS*PR*2*7.20",
    ]  # fmt: skip
    second = ["CLP*C5*1*45.00*0*0*MB*PCN5", "SVC*HC:97110*45.00*0**1", "DTM*472*20260903", "CAS*CO*151*45.00"]
    result = matched(tmp_path, history, remittance(first), remittance(second, on="20261009", control=2))
    assert result.lines.select("procedure_code", "our_line_number").rows() == [
        ("97140", 3),
        ("97110", 1),
        ("97110", 2),
    ]
    assert classes(result) == [("C5", 2, "CO-151", "predicted, sent anyway")]
    assert result.claims.select("remittance_files", "current").rows() == [(2, True), (2, True)]


def test_a_line_the_payer_recoded_is_matched_by_the_code_we_sent(tmp_path):
    """The payer paid 99213 for the 99214 we billed (SVC06 keeps ours) and denied the A1c."""
    claim = [
        "CLP*C1*1*193.00*73.60*18.40*MB*PCN1",
        "SVC*HC:99213*165.00*73.60**1*HC:99214", "DTM*472*20260901", "CAS*CO*45*73.00", "CAS*PR*2*18.40",
        "SVC*HC:83036*28.00*0**1", "DTM*472*20260901", "CAS*CO*50*28.00",
    ]  # fmt: skip
    result = matched(tmp_path, run_history([], VISIT_AND_LAB), remittance(claim))
    assert result.lines["our_line_number"].to_list() == [1, 2]
