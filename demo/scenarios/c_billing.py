"""Billing edits: eligibility, timely filing, duplicates, provider NPIs, prior authorization,
documented visits and data quality, each next to a clean claim that differs only in what the edit
checks. Claims C3001-C3099, patients P301-P399, visits E3001-E3999. As of 2026-09-14."""

import datetime as dt

ORDERING_NPI = "1679576722"  # the ordering physician of the lab, imaging and DME claims
NP_NPI = "1982716403"  # a nurse practitioner of the practice
MEDICARE_DME_LIST = "E0277"  # pressure reducing mattress: on Medicare's required prior-authorization list

PATIENTS = [
    ("P302", "1984-08-11", "F", "AETNA"),
    ("P306", "1979-11-28", "M", "AETNA"),
    ("P307", "1951-02-06", "F", "MEDICARE"),
    ("P308", "1991-07-20", "M", "UHC"),
    ("P309", "1987-01-05", "F", "UHC"),
    ("P310", "1948-09-01", "M", "MEDICARE"),
    ("P311", "1976-03-14", "F", "UHC"),
    ("P312", "1969-10-21", "M", "UHC"),
    ("P313", "1983-06-05", "F", "BCBS_TX"),
    ("P314", "1991-05-01", "M", "AETNA"),
    ("P315", "1946-12-17", "F", "MEDICARE"),
    ("P316", "1977-09-07", "M", "UHC"),
    ("P317", "1955-07-28", "F", "MEDICARE"),
    ("P318", "1967-05-12", "M", "UHC"),
    ("P319", "1973-08-15", "F", "AETNA"),
    ("P320", "1971-03-03", "M", "AETNA"),
    ("P321", "1939-11-03", "F", "MEDICARE"),
    ("P322", "1952-06-23", "F", "MEDICARE"),
    ("P323", "1994-09-30", "M", "BCBS_TX"),
    ("P324", "1958-02-14", "M", "MEDICARE"),
    ("P325", "1988-12-11", "F", "UHC"),
    ("P326", "1964-04-19", "M", "BCBS_TX"),
    ("P327", "1999-09-01", "F", "UHC"),
    ("P328", "1950-01-27", "M", "MEDICARE"),
    ("P329", "1986-05-09", "F", "AETNA"),
    ("P330", "2010-08-03", "M", "MEDICAID_TX"),
    ("P331", "1976-11-13", "F", "BCBS_TX"),
    ("P332", "1945-03-20", "M", "MEDICARE"),
    ("P333", "1958-07-02", "F", "MEDICARE"),
]
THIRTEEN_DIAGNOSES = [
    "I10",
    "E11.9",
    "E78.5",
    "N18.30",
    "I25.10",
    "J44.9",
    "M17.11",
    "G47.33",
    "F41.1",
    "K21.9",
    "E03.9",
    "Z79.4",
    "Z87.891",
]


def line(code, date, charge, pointers="1", **extra):
    return {"procedure_code": code, "service_date": date, "charge": charge, "diagnosis_pointers": pointers, **extra}


def add(b):
    for patient_id, birth, sex, payer in PATIENTS:
        b.patient(patient_id, birth, sex, payer)
    eligibility(b)
    timely_filing(b)
    duplicates(b)
    providers(b)
    authorization(b)
    data_quality(b)
    visits(b)


def eligibility(b):
    # ELIG002: Aetna shows the coverage inactive since February; C3002 (P302) is covered.
    b.patient(
        "P301",
        "1980-12-20",
        "F",
        "AETNA",
        coverage=(("2025-07-02", "2026-08-01", "active"), ("2026-08-02", "", "inactive")),
    )
    b.claim("C3001", "P301", "AETNA", ["J02.9"], [line("99213", "2026-09-01", "120.00")])
    b.claim("C3002", "P302", "AETNA", ["J02.9"], [line("99213", "2026-09-01", "120.00")])
    # ELIG003: a member id no payer has on file.
    b.patient("P303", "1972-10-08", "M", "MEDICARE", coverage=())
    b.claim("C3003", "P303", "MEDICARE", ["I10"], [line("99213", "2026-09-02", "110.00")])
    # ELIG004: the claim goes to BCBS of Texas, but the member is on file at UnitedHealthcare.
    b.patient("P304", "1984-02-28", "F", "UHC")
    b.claim("C3004", "P304", "BCBS_TX", ["M25.511"], [line("99213", "2026-09-02", "120.00")])
    # ELIG005: a therapy series that runs past the end of coverage on 2026-09-02.
    b.patient("P305", "1968-09-15", "M", "BCBS_TX", coverage=(("2025-07-02", "2026-09-02", "active"),))
    b.claim(
        "C3005",
        "P305",
        "BCBS_TX",
        ["M54.50"],
        [line("97110", "2026-08-31", "85.00", units="2"), line("97110", "2026-09-07", "85.00", units="2")],
    )


def timely_filing(b):
    # TF001: an Aetna visit of 2026-06-01; the 90 days ran out on 2026-08-30.
    b.claim("C3006", "P306", "AETNA", ["J06.9"], [line("99213", "2026-06-01", "120.00")])
    # TF001 and TF002 on one Medicare claim: each line counts 365 days from its own date, so line 1
    # (2025-09-08) is past the limit and line 2 (2025-10-01) has 17 days left.
    b.claim(
        "C3007",
        "P307",
        "MEDICARE",
        ["I10"],
        [line("99213", "2025-09-08", "110.00"), line("99213", "2025-10-01", "110.00")],
    )
    # TF002: UnitedHealthcare, 4 days left; C3009 has 25 days left, outside the 14-day window.
    b.claim("C3008", "P308", "UHC", ["J20.9"], [line("99213", "2026-06-20", "120.00")])
    b.claim("C3009", "P309", "UHC", ["J20.9"], [line("99213", "2026-07-11", "120.00")])


def duplicates(b):
    # DUP001: the same Medicare visit exported on two claims; C3012 is the patient's next visit.
    b.claim("C3010", "P310", "MEDICARE", ["I10"], [line("99213", "2026-09-02", "110.00")])
    b.claim("C3011", "P310", "MEDICARE", ["I10"], [line("99213", "2026-09-02", "110.00")])
    b.claim("C3012", "P310", "MEDICARE", ["I10"], [line("99213", "2026-09-09", "110.00")])
    # DUP003: a corrected claim (frequency 7) without the payer's claim number; C3014 has it.
    b.claim("C3013", "P311", "UHC", ["J01.90"], [line("99214", "2026-08-31", "160.00")], frequency_code="7")
    b.claim(
        "C3014",
        "P312",
        "UHC",
        ["J01.90"],
        [line("99214", "2026-08-31", "160.00")],
        frequency_code="7",
        payer_claim_number="92603050012345",
    )


def providers(b):
    # PRV001-PRV003: a mistyped billing, rendering and referring NPI (check digit off).
    b.claim("C3015", "P313", "BCBS_TX", ["J02.9"], [line("99213", "2026-09-03", "120.00")], billing_npi="1234567890")
    b.claim("C3016", "P314", "AETNA", ["J02.9"], [line("99213", "2026-09-03", "120.00")], rendering_npi="1045678950")
    b.claim("C3017", "P315", "MEDICARE", ["E78.5"], [line("80061", "2026-09-03", "35.00")], referring_npi="1679576723")
    # PRV004: a group's claim with no rendering provider.
    b.claim("C3018", "P316", "UHC", ["J02.9"], [line("99213", "2026-09-04", "120.00")], rendering_npi="")
    # PRV005: Medicare needs the ordering provider on the office HbA1c test; UnitedHealthcare does
    # not for a test done in the practice's own office (C3020, clean).
    b.claim(
        "C3019",
        "P317",
        "MEDICARE",
        ["E11.9"],
        [line("99213", "2026-09-04", "110.00"), line("83036", "2026-09-04", "28.00")],
    )
    b.claim(
        "C3020", "P318", "UHC", ["E11.9"], [line("99213", "2026-09-04", "120.00"), line("83036", "2026-09-04", "28.00")]
    )


def authorization(b):
    # AUTH001: Aetna lumbar MRI without its authorization number; C3022 has one.
    b.claim("C3021", "P319", "AETNA", ["M54.16"], [line("72148", "2026-09-07", "450.00")])
    b.claim(
        "C3022", "P320", "AETNA", ["M54.16"], [line("72148", "2026-09-07", "450.00")], prior_auth_number="A260302041"
    )
    # AUTH001: a Medicare pressure reducing mattress delivered without the UTN of its prior authorization.
    b.claim(
        "C3023",
        "P321",
        "MEDICARE",
        ["L89.153"],
        [line(MEDICARE_DME_LIST, "2026-09-07", "800.00")],
        place_of_service="12",
        referring_npi=ORDERING_NPI,
    )
    # AUTH002: the surgeon's claim for an upper-lid blepharoplasty in the hospital outpatient department.
    b.claim(
        "C3024",
        "P322",
        "MEDICARE",
        ["H02.831"],
        [line("15823", "2026-09-08", "900.00", modifiers="E3")],
        place_of_service="22",
    )


def data_quality(b):
    # DQ005: the total still holds the old fee.
    b.claim("C3027", "P326", "BCBS_TX", ["J02.9"], [line("99213", "2026-09-08", "120.00")], total="150.00")
    # DQ006: a visit at 0.00; C3029's blood-pressure quality code 3074F at 0.00 is right.
    b.claim("C3028", "P327", "UHC", ["J02.9"], [line("99213", "2026-09-08", "0.00")])
    b.claim(
        "C3029",
        "P328",
        "MEDICARE",
        ["I10"],
        [line("99214", "2026-09-08", "165.00"), line("3074F", "2026-09-08", "0.00")],
    )
    # DQ007: the ketorolac injection's drug line with 0 units.
    b.claim(
        "C3030",
        "P329",
        "AETNA",
        ["M54.50"],
        [line("96372", "2026-09-09", "25.00"), line("J1885", "2026-09-09", "8.00", units="0")],
    )
    # DQ008: a visit dated two days after the run.
    b.claim("C3031", "P330", "MEDICAID_TX", ["J02.9"], [line("99213", "2026-09-16", "95.00")])
    # DQ009: patient P399 is on the eligibility roster but missing from the patients file.
    b.rows["eligibility"].append(
        {
            "member_id": b.member("P399"),
            "payer_id": "MEDICARE",
            "coverage_start": "2025-07-02",
            "coverage_end": "",
            "status": "active",
        }
    )
    b.claim("C3032", "P399", "MEDICARE", ["I10"], [line("99213", "2026-09-09", "110.00")])
    # DQ010: a claim header whose lines did not come with the export.
    b.claim("C3033", "P331", "BCBS_TX", ["J02.9"], [], total="120.00")
    # DQ011: thirteen diagnoses on a professional claim.
    b.claim("C3034", "P332", "MEDICARE", THIRTEEN_DIAGNOSES, [line("99215", "2026-09-09", "230.00", "1;2;3;4")])
    # DQ012: five modifiers on a knee injection.
    b.claim("C3035", "P333", "MEDICARE", ["M17.11"], [line("20610", "2026-09-10", "95.00", modifiers="RT;59;GA;KX;XS")])


def visits(b):
    """The practice system's visit export: every claim's dates, plus the visit edits."""
    # ENC001: P323 (no claim in the batch: the default 7 days) has a visit unbilled 11 days; P302's visit of
    # 2026-09-08 is 6 days unbilled (Aetna: 5), while the one of 2026-09-10 is still inside it.
    b.encounter("E3001", "P323", "2026-09-03")
    b.encounter("E3002", "P302", "2026-09-08")
    b.encounter("E3003", "P302", "2026-09-10")
    # ENC002: the visit billed on C3025 for 2026-09-08 was documented on 2026-09-07.
    b.claim("C3025", "P324", "MEDICARE", ["I10"], [line("99213", "2026-09-08", "110.00")])
    b.encounter("E3004", "P324", "2026-09-07", claim_id="C3025")
    # ENC003: the nurse practitioner saw the patient, the claim names the physician.
    b.claim("C3026", "P325", "UHC", ["J02.9"], [line("99214", "2026-09-09", "160.00")])
    b.encounter("E3005", "P325", "2026-09-09", claim_id="C3026", rendering_npi=NP_NPI)
    document_billed_visits(b, skip={"C3025", "C3026", "C3031"}, first_number=3101)


def document_billed_visits(b, skip, first_number):
    """A documented visit, by the claim's provider, on each date every claim of the batch bills.

    Runs after the other scenario files, so their claims have their visits too and only the
    visit edits' own claims (skip) stand out.
    """
    dates = {}
    for row in b.rows["claim_lines"]:
        try:
            dates.setdefault(row["claim_id"], set()).add(dt.date.fromisoformat(row["service_date"]))
        except ValueError:
            continue  # an unreadable date in a data-quality scenario: no visit to document
    number = first_number
    for claim in b.rows["claims"]:
        if claim["claim_id"] in skip or claim["frequency_code"] == "8":
            continue
        for date in sorted(dates.get(claim["claim_id"], ())):
            b.encounter(
                f"E{number}",
                claim["patient_id"],
                date.isoformat(),
                claim_id=claim["claim_id"],
                rendering_npi=claim["rendering_npi"] or claim["billing_npi"],
            )
            number += 1
