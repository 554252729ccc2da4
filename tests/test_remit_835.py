"""Reading the payers' 835 remittances: what each claim and line was paid, and why the rest was not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber.remit.x835 import counts, read_835, read_remittances

FIXTURES = Path(__file__).parent / "fixtures" / "x12"
LFH, BADX12 = FIXTURES / "linuxforhealth", FIXTURES / "badx12"
D = Decimal


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple]:
    return frame.select(columns).rows()


def messages(read) -> list[tuple]:
    return read.issues.select("claim_id", "segment_position", "segment_id", "message").rows()


# --- 835 files written by the tests ------------------------------------------------------------------------------

ISA = "ISA*00*          *00*          *ZZ*AETNA          *ZZ*DEMOCLINIC     *260410*1200*^*00501*000000201*0*P*:"


def remittance(*claims: list[str], check: str = "EFT0001", paid_on: str = "20260410", total: str | None = None) -> str:
    """One 835 from the payer AETNA (payer id 60054) to the demo clinic; BPR02 is the sum of CLP04 unless given."""
    body = [segment for claim in claims for segment in claim]
    if total is None:
        total = f"{sum(D(s.split('*')[4]) for s in body if s.startswith('CLP*')):.2f}"
    header = [
        f"BPR*I*{total}*C*ACH*CCP*01*999999999*DA*123456*1234567890**01*888888888*DA*654321*{paid_on}",
        f"TRN*1*{check}*1234567890", f"DTM*405*{paid_on}",
        "N1*PR*AETNA", "N3*PO BOX 1", "N4*HARTFORD*CT*06156", "REF*2U*60054",
        "N1*PE*DEMO CLINIC*XX*1234567893", "LX*1",
    ]  # fmt: skip
    st_ = ["ST*835*0001", *header, *body]
    st_.append(f"SE*{len(st_) + 1}*0001")
    return "~\n".join(
        [ISA, "GS*HP*AETNA*DEMOCLINIC*20260410*1200*1*X*005010X221A1", *st_, "GE*1*1", "IEA*1*000000201"]
    ) + "~\n"  # fmt: skip


def write(folder: Path, text: str, name: str = "remit.835", encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


# An office visit with a venipuncture, paid in part: the fee schedule cuts 80.00 (CO-45), 40.00 goes to the
# deductible (PR-1); the venipuncture line has no date of its own and no units.
PARTIAL = [
    "CLP*C100*1*250.00*130.00*40.00*CI*PCN0001*11*1",
    "NM1*QC*1*RIVERA*ANA****MI*W100200300",
    "DTM*232*20260302",
    "SVC*HC:99213:25*150.00*80.00**1", "DTM*472*20260302", "CAS*CO*45*30.00", "CAS*PR*1*40.00",
    "REF*6R*C100-1", "AMT*B6*120.00",
    "SVC*HC:36415*100.00*50.00", "CAS*CO*45*50.00",
]  # fmt: skip
# Therapy units reduced three ways in one CAS: fee schedule (45), a payment adjusted for a procedure (253,
# the 2% sequestration), and a multiple-procedure reduction (59) on one unit.
SEVERAL_TRIPLETS = [
    "CLP*C150*1*120.00*78.40*0*MB*PCN0150",
    "SVC*HC:97110:GP*120.00*78.40**2", "DTM*472*20260304", "CAS*CO*45*30.00**253*1.60**59*10.00*1",
]  # fmt: skip
# Denied as not medically necessary under an LCD: nothing paid, CO-50 with remark N115 on the line.
DENIED = [
    "CLP*C200*4*180.00*0*0*MB*PCN0002", "MOA***MA01",
    "SVC*HC:99214*180.00*0**1", "DTM*472*20260303", "CAS*CO*50*180.00", "LQ*HE*N115",
]  # fmt: skip


def test_a_partial_payment_gives_its_claim_lines_and_reasons_in_decimal_dollars(tmp_path):
    read = read_835(write(tmp_path, remittance(PARTIAL)))
    assert read.issues.is_empty()
    (payment,) = read.payments.to_dicts()
    assert (payment["payer_id"], payment["payer_name"], payment["check_number"], payment["payment_date"]) == (
        "60054", "AETNA", "EFT0001", date(2026, 4, 10))  # fmt: skip
    assert (payment["total_paid"], payment["payment_method"], payment["payee_id"]) == (
        D("130.00"), "automated clearing house", "1234567893")  # fmt: skip
    (claim,) = read.claims.to_dicts()
    assert (claim["claim_id"], claim["status"], claim["outcome"], claim["payer_id"], claim["check_number"]) == (
        "C100", "processed as primary", "partial", "60054", "EFT0001")  # fmt: skip
    assert (claim["charge"], claim["paid"], claim["patient_responsibility"]) == (D("250"), D("130"), D("40"))
    assert (claim["payer_claim_number"], claim["claim_filing_indicator"], claim["member_id"]) == (
        "PCN0001", "CI", "W100200300")  # fmt: skip
    assert rows(read.service_lines, "line_number", "procedure_code", "modifiers", "charge", "paid", "allowed",
                "units", "service_date", "line_control_number") == [
        (1, "99213", "25", D("150"), D("80"), D("120"), D(1), date(2026, 3, 2), "C100-1"),
        # No DTM*472: the claim's statement date; no SVC05: one unit.
        (2, "36415", None, D("100"), D("50"), None, D(1), date(2026, 3, 2), None),
    ]  # fmt: skip
    assert rows(read.adjustments, "level", "line_position", "group_code", "carc", "amount") == [
        ("line", 16, "CO", "45", D("30")), ("line", 16, "PR", "1", D("40")), ("line", 22, "CO", "45", D("50")),
    ]  # fmt: skip
    assert counts(read)["partial"] == 1 and counts(read)["line_adjustments"] == 3


def test_one_cas_with_three_reasons_gives_three_adjustments_with_their_quantities(tmp_path):
    read = read_835(write(tmp_path, remittance(SEVERAL_TRIPLETS)))
    assert rows(read.adjustments, "claim_id", "triplet", "group", "carc", "amount", "quantity") == [
        ("C150", 1, "contractual obligation", "45", D("30.00"), None),
        ("C150", 2, "contractual obligation", "253", D("1.60"), None),
        ("C150", 3, "contractual obligation", "59", D("10.00"), D("1")),
    ]  # fmt: skip
    assert rows(read.service_lines, "procedure_code", "modifiers", "units") == [("97110", "GP", D("2"))]
    assert read.issues.is_empty()


def test_a_denial_keeps_its_carc_and_the_remark_codes_of_claim_and_line(tmp_path):
    read = read_835(write(tmp_path, remittance(PARTIAL, DENIED)))
    assert rows(read.claims, "claim_id", "status_code", "outcome", "paid") == [
        ("C100", "1", "partial", D("130")), ("C200", "4", "denied", D("0"))]  # fmt: skip
    assert rows(read.adjustments.filter(pl.col("claim_id") == "C200"), "group_code", "carc", "amount") == [
        ("CO", "50", D("180"))]  # fmt: skip
    assert rows(read.remarks, "claim_id", "level", "segment_id", "code") == [
        ("C200", "claim", "MOA", "MA01"), ("C200", "line", "LQ", "N115")]  # fmt: skip
    assert counts(read)["denied"] == 1


def test_a_reversal_and_the_corrected_payment_in_a_later_file_are_all_kept_and_counted(tmp_path):
    first = ["CLP*C300*1*200.00*100.00*0*CI*PCN0003", "SVC*HC:99213*200.00*100.00", "DTM*472*20260305",
             "CAS*CO*45*100.00"]  # fmt: skip
    reversal = ["CLP*C300*22*-200.00*-100.00*0*CI*PCN0003", "SVC*HC:99213*-200.00*-100.00", "DTM*472*20260305",
                "CAS*CO*45*-100.00"]  # fmt: skip
    corrected = ["CLP*C300*1*200.00*120.00*0*CI*PCN0003B", "SVC*HC:99213*200.00*120.00", "DTM*472*20260305",
                 "CAS*CO*45*80.00"]  # fmt: skip
    write(tmp_path, remittance(first, check="EFT0001", paid_on="20260410"), "a.835")
    write(tmp_path, remittance(reversal, corrected, check="EFT0002", paid_on="20260424"), "b.835")
    read = read_remittances(tmp_path)
    assert read.issues.is_empty()
    history = ["file", "check_number", "outcome", "paid", "sequence", "correction", "remittance_rows"]
    assert rows(read.claims, *history) == [
        ("a.835", "EFT0001", "partial", D("100"), 1, False, 3),
        ("b.835", "EFT0002", "reversal", D("-100"), 2, False, 3),
        ("b.835", "EFT0002", "partial", D("120"), 3, True, 3),
    ]  # fmt: skip
    assert read.payments["total_paid"].to_list() == [D("100"), D("20")]
    figures = counts(read)
    assert (figures["reversals"], figures["corrections"], figures["claim_ids_in_several_files"]) == (1, 1, 1)


def test_two_checks_in_one_file_give_each_claim_its_own_check(tmp_path):
    first, second = remittance(PARTIAL, check="EFT0001"), remittance(DENIED, check="CHK0002", total="0.00")
    # The second check's ST..SE, renumbered 0002, goes before the first file's GE, which now counts two.
    transaction = second[second.index("ST*835") : second.index("GE*")].replace("*0001~", "*0002~")
    text = first.replace("GE*1*1", transaction + "GE*2*1")
    read = read_835(write(tmp_path, text))
    assert read.issues.is_empty()
    assert rows(read.payments, "transaction_control", "check_number", "total_paid") == [
        ("0001", "EFT0001", D("130")), ("0002", "CHK0002", D("0"))]  # fmt: skip
    assert rows(read.claims, "claim_id", "check_number") == [("C100", "EFT0001"), ("C200", "CHK0002")]
    assert rows(read.service_lines, "claim_id", "check_number") == [
        ("C100", "EFT0001"), ("C100", "EFT0001"), ("C200", "CHK0002")]  # fmt: skip


def test_a_replacement_claim_frequency_7_is_a_correction_without_a_reversal(tmp_path):
    replacement = ["CLP*C310*1*90.00*90.00*0*CI*PCN0031*11*7", "SVC*HC:99212*90.00*90.00", "DTM*472*20260305"]
    read = read_835(write(tmp_path, remittance(replacement)))
    assert rows(read.claims, "outcome", "frequency_code", "correction") == [("paid in full", "7", True)]


def test_a_claim_split_across_two_remittances_keeps_each_line_with_its_file_and_check(tmp_path):
    visit = ["CLP*C400*1*150.00*80.00*0*CI*PCN0004", "SVC*HC:99213*150.00*80.00", "DTM*472*20260306",
             "CAS*CO*45*70.00"]  # fmt: skip
    lab = ["CLP*C400*1*100.00*60.00*0*CI*PCN0004", "SVC*HC:80053*100.00*60.00", "DTM*472*20260306",
           "CAS*CO*45*40.00"]  # fmt: skip
    write(tmp_path, remittance(visit, check="CHK1001"), "week1.835")
    write(tmp_path, remittance(lab, check="CHK1002", paid_on="20260417"), "week2.835")
    read = read_remittances(tmp_path)
    assert rows(read.service_lines, "claim_id", "file", "check_number", "procedure_code", "paid") == [
        ("C400", "week1.835", "CHK1001", "99213", D("80")),
        ("C400", "week2.835", "CHK1002", "80053", D("60")),
    ]
    assert rows(read.claims, "remittance_rows", "remittance_files", "sequence") == [(2, 2, 1), (2, 2, 2)]
    assert counts(read)["claim_ids_in_several_files"] == 1 and counts(read)["corrections"] == 0


def test_the_code_the_payer_paid_instead_of_the_one_billed_is_kept_beside_it(tmp_path):
    downcoded = ["CLP*C500*1*180.00*95.00*0*CI*PCN0005", "SVC*HC:99213*180.00*95.00**1*HC:99214", "DTM*472*20260307",
                 "CAS*CO*45*85.00"]  # fmt: skip
    read = read_835(write(tmp_path, remittance(downcoded)))
    assert rows(read.service_lines, "procedure_code", "original_procedure_code") == [("99213", "99214")]


def test_a_utf16_export_without_byte_order_mark_reads_like_utf8(tmp_path):
    text = remittance(PARTIAL, DENIED)
    expected = read_835(write(tmp_path, text, "utf8.835"))
    for encoding in ["utf-16-le", "utf-16-be", "utf-16"]:
        read = read_835(write(tmp_path, text, f"{encoding}.835", encoding))
        assert read.claims.drop("file").equals(expected.claims.drop("file")), encoding
        assert read.adjustments.drop("file").equals(expected.adjustments.drop("file")), encoding
        assert read.issues.is_empty()


def test_a_file_cut_off_before_its_trailers_is_reported_and_its_claims_still_read(tmp_path):
    text = remittance(PARTIAL, DENIED)
    cut = text[: text.index("SE*")]
    read = read_835(write(tmp_path, cut))
    assert read.claims["claim_id"].to_list() == ["C100", "C200"]
    assert [segment for _, _, segment, _ in messages(read)] == ["SE", "GE", "IEA"]


def test_a_remittance_whose_total_does_not_add_up_is_reported(tmp_path):
    read = read_835(write(tmp_path, remittance(PARTIAL, total="150.00")))
    assert messages(read) == [(None, 4, "BPR", "BPR02 total paid 150.00 differs from the claims' CLP04 sum 130.00 "
                                             "less the provider adjustments (PLB) 0.00")]  # fmt: skip


def test_a_remittance_without_its_trace_number_says_so_and_its_claims_are_still_read(tmp_path):
    text = remittance(PARTIAL).replace("TRN*1*EFT0001*1234567890~\n", "").replace("SE*22*", "SE*21*")
    read = read_835(write(tmp_path, text))
    assert messages(read) == [(None, 3, "TRN", "the remittance has no TRN: its check or EFT trace number is unknown")]
    assert rows(read.claims, "claim_id", "check_number", "paid") == [("C100", None, D("130"))]


def test_broken_claims_are_issues_and_every_payment_is_kept(tmp_path):
    no_id = ["CLP**1*50.00*50.00*0*CI*PCN0006", "SVC*HC:99211*50.00*50.00", "DTM*472*20260308"]
    bad_amount = ["CLP*C700*1*12O.00*60.00*0*CI*PCN0007", "SVC*HC:99212*90.00*60.00", "DTM*472*2026038",
                  "CAS*CO*45*30.00"]  # fmt: skip
    stray = ["CAS*CO*45*5.00"]  # an adjustment before the first claim belongs to none
    read = read_835(write(tmp_path, remittance(stray, no_id, bad_amount)))
    assert read.claims["claim_id"].to_list() == [None, "C700"]
    assert read.claims["charge"].to_list() == [D("50"), None]
    assert read.service_lines["service_date"].to_list() == [date(2026, 3, 8), None]
    assert messages(read) == [
        (None, 13, "CAS", "segment before any claim (CLP) of its transaction set; it was not read"),
        (None, 14, "CLP", "CLP01 claim id is empty; the payment is kept without a claim id and cannot be matched"),
        ("C700", 17, "CLP", "CLP03 '12O.00' is not a number; it was left empty"),
        ("C700", 18, "DTM*472", "DTM*472 '2026038' is not a CCYYMMDD date; it was left empty"),
    ]  # fmt: skip


def test_a_folder_reads_every_remittance_whatever_its_name_and_reports_the_rest(tmp_path):
    write(tmp_path, remittance(PARTIAL), "ERA_20260410.txt")
    (tmp_path / "notes.txt").write_text("call the payer about C200")
    (tmp_path / "claims.837").write_bytes((LFH / "demo.example1.837").read_bytes())
    read = read_remittances(tmp_path)
    assert read.claims["claim_id"].to_list() == ["C100"]
    assert rows(read.issues, "file", "segment_id", "message") == [
        ("claims.837", "ST", "transaction set 837 is not an 835 health care claim payment/advice; it was not read"),
        ("notes.txt", "ISA", "the file does not begin with an ISA interchange header; it is not an X12 file"),
    ]  # fmt: skip


# --- Real samples (TR3 example remittances) ----------------------------------------------------------------------


def test_secondary_payments_read_modifiers_and_a_cas_with_two_reasons():
    read = read_835(BADX12 / "X221-secondary-payments.edi")
    assert read.issues.is_empty()
    assert rows(read.claims, "claim_id", "status", "charge", "paid", "patient_responsibility") == [
        ("L0004828311", "processed as secondary", D("10323.64"), D("912"), None),
        ("0001000053", "processed as secondary", D("751.50"), D("310"), D("220")),
    ]  # fmt: skip
    assert rows(read.service_lines, "claim_id", "procedure_code", "modifiers", "paid", "service_date") == [
        ("0001000053", "12345", "26", D("30"), date(2005, 1, 6)),
        ("0001000053", "66543", "26", D("280"), date(2005, 1, 6)),
    ]  # fmt: skip
    assert rows(read.adjustments, "claim_id", "level", "group_code", "carc", "amount") == [
        ("L0004828311", "claim", "OA", "23", D("9411.64")),
        ("0001000053", "line", "OA", "23", D("136.50")),
        ("0001000053", "line", "PR", "1", D("150")),  # CAS*PR*1*150**2*70: deductible, then coinsurance
        ("0001000053", "line", "PR", "2", D("70")),
        ("0001000053", "line", "CO", "42", D("85")),
    ]  # fmt: skip


def test_medicare_part_a_remittance_reads_remarks_and_balances_with_its_provider_adjustment():
    read = read_835(BADX12 / "X221-dollars-and-data-sent-together.edi")
    assert read.issues.is_empty()  # 138,018.40 + 11,980.33 less the PLB's -1.27 is the 150,000.00 paid
    assert rows(read.payments, "payer_id", "total_paid", "provider_adjustments", "payment_method") == [
        ("999", D("150000"), D("-1.27"), "automated clearing house")]  # fmt: skip
    assert rows(read.claims, "claim_id", "claim_filing_indicator", "claim_start", "claim_end") == [
        ("666123", "MA", date(2002, 8, 16), date(2002, 8, 24)), ("777777", "MB", date(2002, 5, 12), None)]  # fmt: skip
    assert rows(read.remarks, "claim_id", "segment_id", "code") == [("777777", "MOA", "MA02")]


def test_one_check_paying_the_same_claim_id_several_times_keeps_every_claim():
    read = read_835(BADX12 / "X221-multiple-claims-single-check.edi")
    assert read.claims["claim_id"].unique().to_list() == ["7722337"]
    assert read.claims["sequence"].to_list() == list(range(1, read.claims.height + 1))
    assert set(read.claims["remittance_rows"]) == {read.claims.height} and read.claims.height > 1
    assert read.service_lines["procedure_qualifier"].unique().to_list() == ["AD"]  # dental codes


def test_line_dates_from_a_service_period_and_a_payment_date_that_is_no_date():
    read = read_835(LFH / "managed-care.835")
    assert rows(read.service_lines, "procedure_code", "service_date", "service_end_date") == [
        ("99211", date(2002, 3, 1), date(2002, 3, 4)), ("93555", date(2002, 3, 10), date(2002, 3, 12))]  # fmt: skip
    assert messages(read) == [(None, 4, "BPR", "BPR16 '20002316' is not a CCYYMMDD date; it was left empty")]
    assert read.payments["payment_date"].to_list() == [None]


def test_service_lines_that_ignore_the_declared_component_separator_are_still_read():
    read = read_835(LFH / "cob-contractural-adjustment.835")
    assert rows(read.service_lines, "procedure_qualifier", "procedure_code") == [("HC", "55669")]
    assert rows(read.adjustments, "group_code", "carc", "amount") == [("OA", "23", D("516")), ("OA", "94", D("-9"))]
    ((_, position, segment, message),) = messages(read)
    assert (position, segment) == (1, "ISA") and "'>'" in message and "SVC01" in message


def test_a_service_line_whose_money_does_not_balance_is_reported():
    read = read_835(LFH / "tertiary-payment.835")  # SVC*HC*24599.00*...: the composite split into two elements
    message = (
        "SVC02 charge 24599.00 less SVC03 paid 1766.50 is 22832.50 but the line's adjustments (CAS) add up to 1579.00"
    )
    assert messages(read) == [("0001000054", 20, "SVC", message)]


def test_a_broken_envelope_is_reported_and_its_remittance_still_read():
    read = read_835(BADX12 / "errors" / "error_validation.edi")
    assert read.claims["claim_id"].to_list() == ["5554555444", "8765432112"]
    assert [segment for _, _, segment, _ in messages(read)] == ["SE", "SE", "GE", "GE", "IEA", "IEA"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=1500), junk=st.binary(max_size=8), at=st.integers(0, 1500))
def test_damaged_files_give_issues_never_exceptions(tmp_path, cut, junk, at):
    data = (BADX12 / "X221-secondary-payments.edi").read_bytes()
    data = data[:at] + junk + data[at:cut] if cut > at else data[:cut]
    (tmp_path / "damaged.835").write_bytes(data)
    read = read_835(tmp_path / "damaged.835")
    assert read.issues.columns == ["file", "claim_id", "segment_position", "segment_id", "message"]
    assert read.claims.height <= 2
