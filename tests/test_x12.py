"""Reading 837P/837I claim files into the batch tables, as a billing company receives them."""

from __future__ import annotations

import codecs
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber.batch.x12 import is_x12, read_837

FIXTURES = Path(__file__).parent / "fixtures" / "x12"
LFH, BADX12 = FIXTURES / "linuxforhealth", FIXTURES / "badx12"
CLAIM_COLUMNS = [
    "claim_id", "patient_id", "member_id", "payer_id", "claim_type", "billing_npi", "rendering_npi",
    "referring_npi", "place_of_service", "diagnosis_codes", "prior_auth_number", "frequency_code", "total_charge",
]  # fmt: skip
LINE_COLUMNS = [
    "claim_id", "line_number", "procedure_code", "modifiers", "units", "charge", "service_date",
    "diagnosis_pointers", "place_of_service", "ndc",
]  # fmt: skip


def claim(read, claim_id: str) -> dict:
    rows = read.claims.filter(pl.col("claim_id") == claim_id).to_dicts()
    assert len(rows) == 1, read.claims
    return rows[0]


def lines(read, claim_id: str) -> list[dict]:
    return read.claim_lines.filter(pl.col("claim_id") == claim_id).to_dicts()


def messages(read) -> list[tuple]:
    return read.issues.select("claim_id", "segment_position", "segment_id", "message").rows()


# --- Files written by the tests: a small 5010 837P builder ------------------------------------------------------

ISA = "ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*PAYER          *250102*1200*^*00501*000000101*0*T*:"


def subscriber(hl: int, member: str = "W100200300", payer: str = "AETNA", dob: str = "19800115", sex: str = "F",
               has_dependents: bool = False) -> list[str]:  # fmt: skip
    return [
        f"HL*{hl}*1*22*{int(has_dependents)}", "SBR*P*18*GRP1******CI",
        f"NM1*IL*1*RIVERA*ANA****MI*{member}", f"DMG*D8*{dob}*{sex}", f"NM1*PR*2*PLAN*****PI*{payer}",
    ]  # fmt: skip


def dependent(hl: int, parent: int, first: str, dob: str, sex: str) -> list[str]:
    return [f"HL*{hl}*{parent}*23*0", "PAT*19", f"NM1*QC*1*RIVERA*{first}", f"DMG*D8*{dob}*{sex}"]


def office_claim(claim_id: str, *extra: str, lines: tuple[str, ...] = ("99213:25", "36415")) -> list[str]:
    body = [f"CLM*{claim_id}*{100 * len(lines)}.00***11:B:1*Y*A*Y*Y", "HI*ABK:E1165*ABF:I10", *extra]
    for n, proc in enumerate(lines, start=1):
        body += [f"LX*{n}", f"SV1*HC:{proc}*100.00*UN*1***1:2", "DTP*472*D8*20250102"]
    return body


def interchange(*body: list[str], version: str = "005010X222A1") -> str:
    """One ISA/GS/ST envelope, counts right, billing provider NPI 1234567893."""
    txn = [f"ST*837*0001*{version}", "BHT*0019*00*B1*20250103*1200*CH", "NM1*41*2*CLINIC*****46*S1",
           "NM1*40*2*PAYER*****46*R1", "HL*1**20*1", "NM1*85*2*CLINIC*****XX*1234567893"]  # fmt: skip
    for part in body:
        txn += part
    txn.append(f"SE*{len(txn) + 1}*0001")
    segments = [ISA, f"GS*HC*CLEARINGHOUSE*PAYER*20250103*1200*7*X*{version}", *txn, "GE*1*7", "IEA*1*000000101"]
    return "~\n".join(segments) + "~\n"


def write(tmp_path: Path, text: str, name: str = "claims.837") -> Path:
    path = tmp_path / name
    path.write_text(text, newline="")
    return path


# --- Recognising X12 files ----------------------------------------------------------------------------------------


def test_is_x12_recognises_interchanges_with_or_without_byte_order_mark(tmp_path):
    sample = (LFH / "demo.example1.837").read_bytes()
    assert is_x12(LFH / "demo.example1.837")
    assert is_x12(_bytes(tmp_path, codecs.BOM_UTF8 + sample))
    assert is_x12(_bytes(tmp_path, b"\r\n  " + sample))
    assert not is_x12(BADX12 / "errors" / "bad_file.edi")
    assert not is_x12(_bytes(tmp_path, b"claim_id,patient_id\nC1,P1\n"))


def _bytes(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / f"f{len(data)}.dat"
    path.write_bytes(data)
    return path


# --- The public TR3 examples --------------------------------------------------------------------------------------


def test_commercial_claim_for_a_dependent_maps_header_and_lines():
    read = read_837(BADX12 / "X222-commercial-health-insurance.edi")
    c = claim(read, "26463774")
    assert {k: c[k] for k in ["member_id", "payer_id", "billing_npi", "place_of_service", "frequency_code",
                              "total_charge", "diagnosis_codes", "claim_type"]} == {
        "member_id": "JS00111223333", "payer_id": "999996666", "billing_npi": "9876543210", "place_of_service": "11",
        "frequency_code": "1", "total_charge": "100", "diagnosis_codes": "0340;V7389", "claim_type": "professional",
    }  # fmt: skip
    # The patient is Ted, a dependent of subscriber Jane: his own id under her member id, no name in it.
    assert c["patient_id"].startswith("JS00111223333-") and "TED" not in c["patient_id"].upper()
    assert read.patients.to_dicts() == [{"patient_id": c["patient_id"], "birth_date": "1973-05-01", "sex": "M"}]
    assert [(line["line_number"], line["procedure_code"], line["charge"], line["units"], line["service_date"],
             line["diagnosis_pointers"]) for line in lines(read, "26463774")] == [
        ("1", "99213", "40", "1", "2006-10-03", "1"), ("2", "87070", "15", "1", "2006-10-03", "1"),
        ("3", "99214", "35", "1", "2006-10-10", "2"), ("4", "86663", "10", "1", "2006-10-10", "2"),
    ]  # fmt: skip
    assert read.issues.is_empty()


def test_the_same_dependent_gets_the_same_patient_id_in_another_file():
    one = claim(read_837(BADX12 / "X222-commercial-health-insurance.edi"), "26463774")
    other = claim(read_837(LFH / "demo.example1.837"), "26463774")
    assert one["patient_id"] == other["patient_id"]


def test_claim_and_line_point_back_to_their_segments():
    read = read_837(LFH / "demo.example1.837")
    c = claim(read, "26463774")
    assert (c["source_segment"], c["source_file"]) == ("27", "demo.example1.837")
    assert [line["source_segment"] for line in lines(read, "26463774")] == ["30", "33", "36", "39"]


def test_ambulance_claim_keeps_mileage_units_modifiers_and_four_pointers():
    read = read_837(LFH / "demo.ambulance.example5.837")
    c = claim(read, "051068")
    assert (c["place_of_service"], c["diagnosis_codes"], c["total_charge"]) == ("41", "8628;E8888;9592;8540", "766.50")
    assert [(line["procedure_code"], line["modifiers"], line["units"], line["charge"], line["diagnosis_pointers"])
            for line in lines(read, "051068")] == [
        ("A0427", "RH", "1.00", "700.00", "1;2;3;4"), ("A0425", "RH", "21.00", "8.20", "1;2;3;4"),
        ("A0422", "RH", "1.00", "46.00", "1;2;3;4"), ("A0382", "RH", "1.00", "12.30", "1;2;3;4"),
    ]  # fmt: skip
    assert read.patients.row(0) == ("012345678A", "1963-07-29", "F")  # the subscriber is the patient


def test_anesthesia_claim_on_one_line_reads_minutes_and_three_modifiers():
    read = read_837(BADX12 / "X222-anesthesia.edi")
    c = claim(read, "153829140")
    assert (c["rendering_npi"], c["place_of_service"], c["diagnosis_codes"]) == ("5678912345", "22", "36616")
    (line,) = lines(read, "153829140")
    assert (line["procedure_code"], line["modifiers"], line["units"], line["charge"], line["service_date"]) == (
        "00142", "QK;QS;P1", "61", "827", "2005-01-12")  # fmt: skip


def test_drug_administered_in_the_office_carries_its_ndc_on_the_j_code_line():
    read = read_837(LFH / "demo.drug.example10.1.837")
    assert [(line["procedure_code"], line["ndc"], line["ndc_quantity"], line["ndc_unit"], line["charge"])
            for line in lines(read, "CLMNO12345")] == [
        ("90782", None, None, None, "50.00"), ("J1550", "00026063512", "10.00", "ML", "53.37")]  # fmt: skip
    assert claim(read, "CLMNO12345")["rendering_npi"] == "1122333341"


def test_lab_claim_clia_number_and_an_unclassified_drug_with_its_ndc_quantity_and_name(tmp_path):
    # 2300 REF*X4 is the lab's CLIA number; 2410 LIN/CTP the drug's NDC and quantity; SV101-7 what J3490 is.
    claim_segments = [
        "CLM*L1*300.00***11:B:1*Y*A*Y*Y", "HI*ABK:E1165", "REF*X4*05D0987654",
        "LX*1", "SV1*HC:83036*100.00*UN*1***1", "DTP*472*D8*20250102",
        "LX*2", "SV1*HC:J3490:::::TREPROSTINIL 1 MG SC*100.00*UN*1***1", "DTP*472*D8*20250102",
        "LIN**N4*66302010101", "CTP****2.5*ML:1",
        "LX*3", "SV1*HC:J9999*100.00*UN*1***1", "DTP*472*D8*20250102", "NTE*ADD*FAM-TRASTUZUMAB 100 MG IV",
    ]  # fmt: skip
    read = read_837(write(tmp_path, interchange(subscriber(2), claim_segments)))
    assert claim(read, "L1")["clia_number"] == "05D0987654"
    assert [(line["procedure_code"], line["ndc"], line["ndc_quantity"], line["ndc_unit"], line["description"])
            for line in lines(read, "L1")] == [
        ("83036", None, None, None, None), ("J3490", "66302010101", "2.5", "ML", "TREPROSTINIL 1 MG SC"),
        ("J9999", None, None, None, "FAM-TRASTUZUMAB 100 MG IV")]  # fmt: skip
    assert read.issues.is_empty()


def test_other_subscriber_of_a_cob_claim_does_not_replace_the_member_id():
    c = claim(read_837(LFH / "demo.cob.example3.A.837"), "26407789")
    assert (c["member_id"], c["payer_id"], c["rendering_npi"]) == ("111223333", "999996666", "1999996666")
    assert c["diagnosis_codes"] == "4779;2724;2780;53081"


def test_referring_provider_and_a_body_that_ignores_the_declared_component_separator():
    read = read_837(LFH / "demo.example11.837")
    c = claim(read, "ABC123-RI")
    assert (c["referring_npi"], c["rendering_npi"], c["diagnosis_codes"]) == ("9988776655", "1122334455", "496;25000")
    assert [(line["procedure_code"], line["modifiers"], line["diagnosis_pointers"])
            for line in lines(read, "ABC123-RI")] == [("E0570", "RR", "1;2"), ("A7003", "NU", "1")]  # fmt: skip
    ((_, position, segment, message),) = messages(read)
    assert (position, segment) == (1, "ISA") and "ISA16 declares ':'" in message and "'>'" in message


def test_institutional_claim_reads_revenue_lines_and_only_the_diagnosis_qualifiers():
    read = read_837(LFH / "institutional-claim.837i")
    assert claim(read, "756048Q")["clia_number"] is None  # REF*X4 is 837P only
    c = claim(read, "756048Q")
    assert {k: c[k] for k in ["claim_type", "member_id", "payer_id", "billing_npi", "total_charge",
                              "diagnosis_codes", "frequency_code", "place_of_service", "type_of_bill"]} == {
        "claim_type": "institutional", "member_id": "030005074A", "payer_id": "00435", "billing_npi": "9876540809",
        "total_charge": "89.93", "diagnosis_codes": "3669;4019;79431", "frequency_code": "1",
        "place_of_service": None, "type_of_bill": "141",
    }  # fmt: skip
    assert [(line["revenue_code"], line["procedure_code"], line["charge"], line["units"], line["service_date"])
            for line in lines(read, "756048Q")] == [
        ("0305", "85025", "13.39", "1.00", "1996-09-11"), ("0730", "93005", "76.54", "3.00", "1996-09-11")]  # fmt: skip


def test_two_institutional_claims_of_two_subscribers():
    read = read_837(LFH / "two-claims-single-provider.837i")
    assert read.claims.select("claim_id", "patient_id", "total_charge").rows() == [
        ("756048Q", "030005074", "89.95"), ("756049Q", "123405074", "50.00")]  # fmt: skip
    assert read.claim_lines.height == 3 and read.patients.height == 2


def test_4010_file_gives_one_clear_issue_and_no_claims():
    read = read_837(LFH / "4010-patient-is-dependent.837")
    assert read.claims.is_empty() and read.claim_lines.is_empty()
    assert messages(read) == [(None, 2, "GS", "X12 version 004010X098A1 is not supported; "
                                              "send 5010 (005010X222A1 or 005010X223A2)")]  # fmt: skip


# --- Malformed files ------------------------------------------------------------------------------------------------


def test_a_file_that_is_not_x12_is_one_issue():
    assert messages(read_837(BADX12 / "errors" / "bad_file.edi")) == [
        (None, 1, "ISA", "the file does not begin with an ISA interchange header; it is not an X12 file")
    ]


def test_wrong_envelope_counts_and_control_numbers_name_the_trailer_segments():
    found = {(p, s) for _, p, s, _ in messages(read_837(BADX12 / "errors" / "error_validation.edi"))}
    assert {(3, "ST"), (29, "SE"), (30, "GE"), (31, "IEA")} <= found  # an 835, and SE/GE/IEA that disagree


def test_segments_before_st_are_reported_and_a_270_is_not_read_as_claims():
    issues = messages(read_837(BADX12 / "errors" / "unknown_segment_error.edi"))
    outside = "segments at positions 3 to 5 lie outside any ST/SE transaction set and were not read"
    assert (None, 3, "HL", outside) in issues
    assert any(s == "ST" and "transaction set 270 is not an 837" in m for _, _, s, m in issues)


def test_an_isa_without_anything_after_it():
    assert {s for _, _, s, _ in messages(read_837(BADX12 / "errors" / "segment_terminator.edi"))} == {"IEA", "ST"}


# --- Formats real senders use ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "bom",
        "utf16",
        "utf16_le_without_mark",
        "utf16_be_without_mark",
        "crlf",
        "crlf_as_terminator",
        "one_line",
        "bars_and_newlines",
        "version_without_suffix",
    ],
)
def test_format_variants_read_the_same_claims(tmp_path, variant):
    text = (LFH / "demo.example1.837").read_text()
    segments = [s.strip() for s in text.split("~") if s.strip()]
    data = {
        "bom": codecs.BOM_UTF8 + text.encode(),
        "utf16": text.encode("utf-16"),
        "utf16_le_without_mark": text.encode("utf-16-le"),  # as some Windows tools export them
        "utf16_be_without_mark": text.encode("utf-16-be"),
        "crlf": ("~\r\n".join(segments) + "~\r\n").encode(),
        "crlf_as_terminator": ("\r\n".join(segments) + "\r\n").encode(),
        "one_line": "~".join(segments).encode() + b"~",
        "bars_and_newlines": ("\n".join(segments) + "\n").replace("*", "|").replace(":", ">").encode(),
        "version_without_suffix": text.replace("005010X222A2", "005010X222").encode(),
    }[variant]
    read = read_837(_bytes(tmp_path, data))
    expected = read_837(LFH / "demo.example1.837")
    assert read.issues.is_empty()
    assert read.claims.drop("source_file").equals(expected.claims.drop("source_file"))
    assert read.claim_lines.equals(expected.claim_lines)


# --- Files written by the tests -------------------------------------------------------------------------------------


def test_output_columns_follow_the_contract_as_csv_text():
    read = read_837(LFH / "demo.example1.837")
    assert read.claims.columns[: len(CLAIM_COLUMNS)] == CLAIM_COLUMNS
    assert {"source_file", "source_segment"} <= set(read.claims.columns)
    assert read.claim_lines.columns[: len(LINE_COLUMNS)] == LINE_COLUMNS
    assert "source_segment" in read.claim_lines.columns
    assert read.patients.columns == ["patient_id", "birth_date", "sex"]
    for frame in (read.claims, read.claim_lines, read.patients):
        assert set(frame.schema.values()) == {pl.String}
    assert read.issues.schema == pl.Schema(
        {"file": pl.String, "claim_id": pl.String, "segment_position": pl.Int64, "segment_id": pl.String,
         "message": pl.String})  # fmt: skip


def test_icd10_principal_first_prior_auth_and_line_rendering_override(tmp_path):
    claim_segments = [
        "CLM*C100*200.00***11:B:1*Y*A*Y*Y", "HI*ABK:E1165*ABF:I10", "HI*ABF:Z794", "REF*G1*AUTH778899",
        "NM1*DN*1*REF*DOC****XX*1245319599", "NM1*82*1*CLAIM*DOC****XX*1003000126",
        "LX*1", "SV1*HC:99213:25*100.00*UN*1***1:2", "DTP*472*D8*20250102",
        "LX*2", "SV1*HC:36415*100.00*UN*1***1", "DTP*472*RD8*20250106-20250110", "NM1*82*1*LAB*DOC****XX*1497758544",
    ]  # fmt: skip
    read = read_837(write(tmp_path, interchange(subscriber(2), claim_segments)))
    c = claim(read, "C100")
    assert (c["diagnosis_codes"], c["prior_auth_number"], c["referring_npi"], c["rendering_npi"]) == (
        "E1165;I10;Z794", "AUTH778899", "1245319599", "1003000126")  # fmt: skip
    # The lab line was rendered by another provider (loop 2420A); the claim keeps its own rendering NPI.
    assert [(line["modifiers"], line["rendering_npi"], line["service_date"]) for line in lines(read, "C100")] == [
        ("25", "1003000126", "2025-01-02"), (None, "1497758544", "2025-01-06")]  # fmt: skip
    assert read.issues.is_empty()


def test_principal_diagnosis_is_listed_first_wherever_the_sender_put_it(tmp_path):
    claim_segments = ["CLM*P9*100.00***11:B:1*Y*A*Y*Y", "HI*ABF:Z794", "HI*ABK:E1165*ABF:I10",
                      "LX*1", "SV1*HC:99214*100.00*UN*1***1:2:3", "DTP*472*D8*20250102"]  # fmt: skip
    read = read_837(write(tmp_path, interchange(subscriber(2), claim_segments)))
    assert claim(read, "P9")["diagnosis_codes"] == "E1165;Z794;I10"


def test_the_other_payers_loops_of_a_secondary_claim_are_not_this_claims_data(tmp_path):
    claim_segments = [
        "CLM*S1*100.00***11:B:1*Y*A*Y*Y", "HI*ABK:M545",
        "SBR*P*18*GRP9******CI", "OI***Y*P**Y", "NM1*IL*1*RIVERA*ANA****MI*PRIMARY777",
        "NM1*PR*2*FIRST PLAN*****PI*UHC", "REF*G1*PRIMARYAUTH1", "NM1*82*1", "REF*G2*OTHER1",
        "LX*1", "SV1*HC:97110:GP*100.00*UN*4***1", "DTP*472*D8*20250102",
    ]  # fmt: skip
    read = read_837(write(tmp_path, interchange(subscriber(2, payer="BCBS_TX"), claim_segments)))
    c = claim(read, "S1")
    assert (c["member_id"], c["payer_id"], c["prior_auth_number"], c["rendering_npi"]) == (
        "W100200300", "BCBS_TX", None, None)  # fmt: skip


def test_twins_get_different_ids_and_a_dependent_seen_twice_is_one_patient(tmp_path):
    text = interchange(
        subscriber(2, has_dependents=True), dependent(3, 2, "LUCIA", "20200301", "F"), office_claim("T1"),
        dependent(4, 2, "SOFIA", "20200301", "F"), office_claim("T2"),
        dependent(5, 2, "LUCIA", "20200301", "F"), office_claim("T3"),
    )  # fmt: skip
    read = read_837(write(tmp_path, text))
    ids = dict(read.claims.select("claim_id", "patient_id").rows())
    assert ids["T1"] != ids["T2"] and ids["T1"] == ids["T3"]
    assert read.patients.height == 2 and all(pid.startswith("W100200300-") for pid in ids.values())


def test_claim_missing_its_diagnosis_is_reported_and_the_next_claim_still_read(tmp_path):
    bad = [s for s in office_claim("NODX") if not s.startswith("HI*")]
    text = interchange(subscriber(2), bad, office_claim("GOOD"))
    read = read_837(write(tmp_path, text))
    assert read.claims["claim_id"].to_list() == ["NODX", "GOOD"]
    clm = text.split("~\n").index(bad[0]) + 1
    assert messages(read) == [("NODX", clm, "HI", "no diagnosis: HI with a principal diagnosis (ABK) is missing")]


def test_line_without_service_date_and_claim_without_id(tmp_path):
    no_date = [s for s in office_claim("NODATE", lines=("99213",)) if not s.startswith("DTP")]
    text = interchange(subscriber(2), no_date, ["CLM**50.00***11:B:1*Y*A*Y*Y", "HI*ABK:J069", "LX*1",
                                                "SV1*HC:99212*50.00*UN*1***1", "DTP*472*D8*20250102"])  # fmt: skip
    read = read_837(write(tmp_path, text))
    assert read.claims["claim_id"].to_list() == ["NODATE"]
    found = {(c, s) for c, _, s, _ in messages(read)}
    assert found == {("NODATE", "DTP*472"), (None, "CLM")}


def test_subscriber_without_payer_is_reported_on_each_of_its_claims(tmp_path):
    sub = [s for s in subscriber(2) if not s.startswith("NM1*PR")]
    read = read_837(write(tmp_path, interchange(sub, office_claim("P1"), office_claim("P2"))))
    assert {(c, s) for c, _, s, _ in messages(read)} == {("P1", "NM1*PR"), ("P2", "NM1*PR")}


def test_wrong_se_count_is_reported_and_the_claims_still_read(tmp_path):
    segments = interchange(subscriber(2), office_claim("E1")).split("~\n")
    se = next(n for n, s in enumerate(segments) if s.startswith("SE*"))
    segments[se] = "SE*9*0001"
    read = read_837(write(tmp_path, "~\n".join(segments)))
    assert read.claims["claim_id"].to_list() == ["E1"]
    ((_, position, segment, message),) = messages(read)
    assert (position, segment) == (se + 1, "SE") and message.startswith("SE01 says 9 segments")


def test_file_cut_off_before_its_trailers(tmp_path):
    text = interchange(subscriber(2), office_claim("CUT1"), office_claim("CUT2"))
    read = read_837(write(tmp_path, text[: text.index("~\nSE*") + 2]))
    assert read.claims["claim_id"].to_list() == ["CUT1", "CUT2"]
    assert [s for _, _, s, _ in messages(read)] == ["SE", "GE", "IEA"]


def test_institutional_line_without_date_takes_the_statement_period_start(tmp_path):
    claim_segments = ["CLM*I1*80.00***13:A:1**A*Y*Y", "DTP*434*RD8*20250210-20250212", "HI*ABK:R0789",
                      "LX*1", "SV2*0450*HC:99284*80.00*UN*1"]  # fmt: skip
    read = read_837(write(tmp_path, interchange(subscriber(2), claim_segments, version="005010")))
    c = claim(read, "I1")
    assert (c["claim_type"], c["type_of_bill"], c["place_of_service"]) == ("institutional", "131", None)
    assert [(line["revenue_code"], line["procedure_code"], line["service_date"]) for line in lines(read, "I1")] == [
        ("0450", "99284", "2025-02-10")
    ]


def test_hospital_outpatient_unclassified_drug_reads_its_description_and_ndc(tmp_path):
    # 837I: the description is SV202-7, the NDC and quantity the same 2410 LIN/CTP as on an 837P.
    claim_segments = ["CLM*I2*240.00***13:A:1**A*Y*Y", "DTP*434*D8*20250210", "HI*ABK:C50911",
                      "LX*1", "SV2*0636*HC:J9999:::::TRASTUZUMAB-ANNS 150 MG IV*240.00*UN*1", "DTP*472*D8*20250210",
                      "LIN**N4*55513013201", "CTP****1*UN"]  # fmt: skip
    read = read_837(write(tmp_path, interchange(subscriber(2), claim_segments, version="005010X223A2")))
    assert [(line["procedure_code"], line["description"], line["ndc"], line["ndc_quantity"], line["ndc_unit"])
            for line in lines(read, "I2")] == [
        ("J9999", "TRASTUZUMAB-ANNS 150 MG IV", "55513013201", "1", "UN")]  # fmt: skip


def test_many_claims_are_read_in_one_pass(tmp_path):
    parts = [subscriber(2)] + [office_claim(f"BULK{n:05d}") for n in range(3000)]
    read = read_837(write(tmp_path, interchange(*parts)))
    assert (read.claims.height, read.claim_lines.height, read.patients.height) == (3000, 6000, 1)
    assert claim(read, "BULK02999")["total_charge"] == "200.00" and read.issues.is_empty()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=2000), junk=st.binary(max_size=8), at=st.integers(0, 2000))
def test_damaged_files_give_issues_never_exceptions(tmp_path, cut, junk, at):
    data = (LFH / "demo.cob.example3.A.837").read_bytes()
    data = data[:at] + junk + data[at:cut] if cut > at else data[:cut]
    read = read_837(_bytes(tmp_path, data))
    assert read.issues.columns == ["file", "claim_id", "segment_position", "segment_id", "message"]
    assert read.claims.height <= 1
