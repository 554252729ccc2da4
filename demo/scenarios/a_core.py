"""Clean claims across the contract's payers, and the core edits: coverage, diagnosis codes,
sex conflict, telehealth modifier and the data-quality intake checks. Claims C1001-C1099."""

PATIENTS = [
    ("P001", "1958-10-10", "F", "MEDICARE"),
    ("P002", "1948-03-02", "M", "MEDICARE"),
    ("P003", "1990-07-24", "F", "AETNA"),
    ("P004", "1975-12-29", "M", "BCBS_TX"),
    ("P005", "2013-05-06", "F", "MEDICAID_TX"),
    ("P006", "1983-09-12", "M", "UHC"),
    ("P007", "1967-06-01", "F", "MEDICARE"),
    ("P009", "1952-08-27", "F", "MEDICARE"),
    ("P010", "1972-04-07", "M", "BCBS_TX"),
    ("P011", "1988-11-14", "F", "UHC"),
    ("P012", "1945-02-19", "M", "MEDICARE"),
    ("P013", "2001-10-03", "F", "MEDICAID_TX"),
    ("P014", "1963-03-30", "M", "AETNA"),
    ("P015", "1979-07-13", "F", "BCBS_TX"),
    ("P016", "1993-12-05", "M", "UHC"),
    ("P017", "1956-05-17", "F", "MEDICARE"),
    ("P019", "1970-01-23", "F", "AETNA"),
    ("P020", "1998-06-30", "M", "UHC"),
]


ORDERING_NPI = "1987654328"


def visit(code, date, charge, pointers="1", **extra):
    return {"procedure_code": code, "service_date": date, "charge": charge, "diagnosis_pointers": pointers, **extra}


def add(b):
    for patient_id, birth, sex, payer in PATIENTS:
        b.patient(patient_id, birth, sex, payer)
    b.patient("P008", "2000-01-17", "M", "AETNA", coverage=(("2024-07-01", "2026-08-29", "active"),))
    b.rows["patients"].append({"patient_id": "P018", "birth_date": "1986-08-03", "sex": "M"})  # payer has no profile

    # Clean claims.
    b.claim("C1001", "P001", "MEDICARE", ["I10"], [visit("99213", "2026-08-31", "110.00")])
    # Medicare wants the ordering provider on lab lines, even for tests run in the office.
    b.claim(
        "C1002",
        "P002",
        "MEDICARE",
        ["E11.9", "I10"],
        [visit("99214", "2026-09-01", "165.00", "1;2"), visit("83036", "2026-09-01", "28.00")],
        referring_npi=ORDERING_NPI,
    )
    b.claim("C1003", "P003", "AETNA", ["J06.9"], [visit("99213", "2026-09-02", "120.00")])
    b.claim("C1004", "P004", "BCBS_TX", ["M54.50"], [visit("99203", "2026-09-03", "150.00")])
    b.claim("C1005", "P005", "MEDICAID_TX", ["Z00.129"], [visit("99393", "2026-09-03", "140.00")])
    b.claim(
        "C1006",
        "P006",
        "UHC",
        ["F41.1"],
        [visit("99214", "2026-09-04", "160.00", modifiers="95")],
        place_of_service="10",
    )
    b.claim(
        "C1007",
        "P007",
        "MEDICARE",
        ["E78.5", "I10"],
        [visit("99213", "2026-09-04", "110.00", "1;2"), visit("80061", "2026-09-04", "35.00")],
        referring_npi=ORDERING_NPI,
    )
    b.claim("C1010", "P010", "BCBS_TX", ["K21.9"], [visit("99212", "2026-09-07", "80.00")])
    b.claim(
        "C1011",
        "P011",
        "UHC",
        ["N39.0"],
        [visit("99213", "2026-09-08", "120.00"), visit("81001", "2026-09-08", "12.00")],
    )
    b.claim("C1013", "P013", "MEDICAID_TX", ["J02.9"], [visit("99213", "2026-09-09", "95.00")])
    b.claim("C1015", "P015", "BCBS_TX", ["L03.116"], [visit("99213", "2026-09-09", "120.00")])
    b.claim("C1016", "P016", "UHC", ["G43.909"], [visit("99204", "2026-09-10", "210.00")])
    b.claim(
        "C1017",
        "P017",
        "MEDICARE",
        ["E03.9"],
        [visit("99213", "2026-09-10", "110.00"), visit("84443", "2026-09-10", "30.00")],
        referring_npi=ORDERING_NPI,
    )
    b.claim("C1019", "P019", "AETNA", ["R10.9"], [visit("99213", "2026-09-10", "120.00")])

    # ELIG001: the visit is after the member's coverage ended on 2026-08-29.
    b.claim("C1008", "P008", "AETNA", ["J01.90"], [visit("99213", "2026-09-02", "120.00")])
    # DX002: the category header E11 instead of a complete code.
    b.claim("C1014", "P014", "AETNA", ["E11"], [visit("99213", "2026-09-09", "120.00")])
    # DX001: E11.99 does not exist in ICD-10-CM.
    b.claim("C1020", "P020", "UHC", ["E11.99"], [visit("99213", "2026-09-10", "120.00")])
    # DX010: benign prostatic hyperplasia on a female patient's claim.
    b.claim("C1021", "P015", "BCBS_TX", ["N40.0"], [visit("99213", "2026-09-11", "120.00")])
    # MOD001: a telehealth visit at the patient's home without modifier 95.
    b.claim("C1022", "P016", "UHC", ["F32.A"], [visit("99214", "2026-09-11", "160.00")], place_of_service="10")
    # DQ003: a payer with no payer profile.
    b.claim("C1023", "P018", "CIGNA", ["I10"], [visit("99213", "2026-09-11", "110.00")])
    # DQ001: an impossible service date.
    b.claim("C1024", "P019", "AETNA", ["M25.561"], [visit("99213", "2026-09-31", "120.00")])
    # DQ002: a line whose claim header is missing.
    b.line_without_claim(claim_id="C1099", procedure_code="99213", charge="110.00", service_date="2026-09-11")
