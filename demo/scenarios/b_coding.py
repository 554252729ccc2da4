"""Coding and modifier edits: code validity, patient conflicts, NCCI pairs, medical necessity and
modifiers, each next to a clean claim that differs only in what the edit checks. Claims C2001-C2099,
patients P201-P299."""

ORDERING_NPI = "1679576722"  # labs and imaging need the ordering provider on Medicare claims

PATIENTS = [
    ("P201", "1961-11-12", "F", "MEDICARE"),
    ("P202", "1959-04-02", "M", "MEDICARE"),
    ("P203", "1950-09-26", "F", "MEDICARE"),
    ("P204", "1973-02-17", "M", "UHC"),
    ("P205", "1995-08-08", "F", "AETNA"),
    ("P206", "1950-06-11", "M", "MEDICARE"),
    ("P207", "1987-12-22", "F", "BCBS_TX"),
    ("P208", "1956-07-30", "F", "MEDICARE"),
    ("P209", "1965-03-10", "M", "MEDICARE"),
    ("P210", "1953-10-16", "F", "MEDICARE"),
    ("P211", "1969-05-26", "M", "UHC"),
    ("P212", "1960-01-02", "F", "MEDICARE"),
    ("P213", "1945-08-16", "M", "MEDICARE"),
    ("P214", "1981-04-10", "F", "BCBS_TX"),
    ("P215", "1957-05-21", "F", "MEDICARE"),
    ("P216", "1962-10-03", "F", "MEDICARE"),
]


def line(code, date, charge, pointers="1", **extra):
    return {"procedure_code": code, "service_date": date, "charge": charge, "diagnosis_pointers": pointers, **extra}


def add(b):
    for patient_id, birth, sex, payer in PATIENTS:
        b.patient(patient_id, birth, sex, payer)

    # DX003: the fall (external cause) listed before the wrist fracture; C2002 lists the fracture first.
    b.claim("C2001", "P201", "MEDICARE", ["W10.9XXA", "S52.501A"], [line("99203", "2026-08-31", "150.00", "1;2")])
    b.claim("C2002", "P202", "MEDICARE", ["S52.501A", "W10.9XXA"], [line("99203", "2026-08-31", "150.00", "1;2")])
    # DX004: dementia in other diseases (a manifestation) before Alzheimer's; C2004 in the right order.
    b.claim("C2003", "P203", "MEDICARE", ["F02.80", "G30.9"], [line("99214", "2026-09-01", "165.00", "1;2")])
    b.claim("C2004", "P206", "MEDICARE", ["G30.9", "F02.80"], [line("99214", "2026-09-01", "165.00", "1;2")])
    # DX011: a routine child exam code for a 31-year-old; C2011 the adult exam code for the same visit type.
    b.claim("C2010", "P205", "AETNA", ["Z00.129"], [line("99395", "2026-09-02", "180.00")])
    b.claim("C2011", "P207", "BCBS_TX", ["Z00.00"], [line("99395", "2026-09-02", "180.00")])
    # DX012: an inpatient hospital claim whose principal diagnosis is a general exam. The office
    # vaccine-only visit C2013 lists Z23 first, right on an office claim though on the same MCE list.
    b.claim(
        "C2012",
        "P208",
        "MEDICARE",
        ["Z00.00", "J18.9"],
        [line("99223", "2026-09-03", "2400.00", "1;2")],
        claim_type="institutional",
        place_of_service="21",
    )
    b.claim(
        "C2013",
        "P209",
        "MEDICARE",
        ["Z23"],
        [line("90686", "2026-09-03", "25.00"), line("G0008", "2026-09-03", "20.00")],
    )
    # PROC001: a digit dropped from the visit code.
    b.claim("C2005", "P204", "UHC", ["J20.9"], [line("9921", "2026-09-04", "120.00")])
    # PROC002: screening mammography billed with G0202, ended 2017-12-31; C2007 with 77067, which replaced it.
    b.claim(
        "C2006", "P210", "MEDICARE", ["Z12.31"], [line("G0202", "2026-09-04", "140.00")], referring_npi=ORDERING_NPI
    )
    b.claim(
        "C2007", "P212", "MEDICARE", ["Z12.31"], [line("77067", "2026-09-04", "140.00")], referring_npi=ORDERING_NPI
    )
    # MOD008: the same mammogram with modifier 50, though 77067 already covers both breasts.
    b.claim(
        "C2030",
        "P201",
        "MEDICARE",
        ["Z12.31"],
        [line("77067", "2026-09-07", "140.00", modifiers="50")],
        referring_npi=ORDERING_NPI,
    )
    # PTR001: line 2 points to a third diagnosis the claim does not have. PTR002: the venipuncture
    # line of C2009 points to no diagnosis.
    b.claim(
        "C2008",
        "P211",
        "UHC",
        ["E11.9", "I10"],
        [line("99214", "2026-09-07", "165.00", "1;2"), line("83036", "2026-09-07", "28.00", "3")],
        referring_npi=ORDERING_NPI,
    )
    b.claim(
        "C2009",
        "P214",
        "BCBS_TX",
        ["E78.5"],
        [line("99213", "2026-09-07", "120.00"), line("36415", "2026-09-07", "10.00", "")],
    )
    # NCD001 (warning): an HbA1c pointed only at hypertension; C1002 points its HbA1c at diabetes.
    b.claim("C2018", "P213", "MEDICARE", ["I10"], [line("83036", "2026-09-08", "28.00")], referring_npi=ORDERING_NPI)
    # PTP001: a diagnostic EGD (43235) billed with the EGD with biopsy that includes it (43239): indicator
    # 0, no modifier helps. PTP002: a glucose test (82947) on C2017 with the comprehensive panel (80053)
    # on C2016, same patient, provider and day: the panel includes it (indicator 1). C2015 x-rays both
    # feet, one view set per foot (RT, LT): different sites, clean. PTP003: a visit with a B12 injection
    # (96372) on C2044, no 25 on the visit; C2045 has 25 on it: clean.
    b.claim(
        "C2014",
        "P202",
        "MEDICARE",
        ["K21.9"],
        [line("43239", "2026-09-08", "300.00"), line("43235", "2026-09-08", "250.00")],
    )
    b.claim(
        "C2015",
        "P203",
        "MEDICARE",
        ["M79.671", "M79.672"],
        [
            line("73630", "2026-09-08", "60.00", modifiers="RT"),
            line("73620", "2026-09-08", "45.00", "2", modifiers="LT"),
        ],
        referring_npi=ORDERING_NPI,
    )
    b.claim("C2016", "P206", "MEDICARE", ["E11.9"], [line("80053", "2026-09-09", "40.00")], referring_npi=ORDERING_NPI)
    b.claim("C2017", "P206", "MEDICARE", ["E11.9"], [line("82947", "2026-09-09", "15.00")], referring_npi=ORDERING_NPI)
    b.claim(
        "C2044",
        "P212",
        "MEDICARE",
        ["D51.0"],
        [line("99213", "2026-09-08", "120.00"), line("96372", "2026-09-08", "25.00")],
    )
    b.claim(
        "C2045",
        "P210",
        "MEDICARE",
        ["D51.0"],
        [line("99213", "2026-09-08", "120.00", modifiers="25"), line("96372", "2026-09-08", "25.00")],
    )
    # MUE001: three office visits in one day on C2040 (99213, MUE 2 per day, clinical); a third
    # venipuncture (36415, MUE 2 per day) on C2042 after two on C2041, same patient, provider and day.
    # C2043 bills two venipunctures on another day: at the limit, clean.
    b.claim("C2040", "P215", "MEDICARE", ["I10"], [line("99213", "2026-09-09", "360.00", units="3")])
    b.claim(
        "C2041",
        "P216",
        "MEDICARE",
        ["D64.9"],
        [line("36415", "2026-09-09", "20.00", units="2")],
        referring_npi=ORDERING_NPI,
    )
    b.claim(
        "C2042",
        "P216",
        "MEDICARE",
        ["D64.9"],
        [line("36415", "2026-09-09", "10.00", modifiers="59")],
        referring_npi=ORDERING_NPI,
    )
    b.claim(
        "C2043",
        "P203",
        "MEDICARE",
        ["D64.9"],
        [line("36415", "2026-09-10", "20.00", units="2")],
        referring_npi=ORDERING_NPI,
    )
    # MOD002: office visit and knee injection the same day without 25; C2021 with 25.
    b.claim(
        "C2020",
        "P207",
        "BCBS_TX",
        ["M17.11"],
        [line("99213", "2026-09-09", "120.00"), line("20610", "2026-09-09", "95.00", modifiers="RT")],
    )
    b.claim(
        "C2021",
        "P214",
        "BCBS_TX",
        ["M17.11"],
        [line("99213", "2026-09-09", "120.00", modifiers="25"), line("20610", "2026-09-09", "95.00", modifiers="RT")],
    )
    # MOD003: both knees injected billed as two units without 50; C2023 one line with 50.
    b.claim("C2022", "P208", "MEDICARE", ["M17.0"], [line("20610", "2026-09-10", "190.00", units="2")])
    b.claim("C2023", "P209", "MEDICARE", ["M17.0"], [line("20610", "2026-09-10", "142.50", modifiers="50")])
    # MOD004: both knees injected as RT and LT lines; C2025 knee x-rays RT and LT, paid per side (indicator 3).
    b.claim(
        "C2024",
        "P210",
        "MEDICARE",
        ["M17.0"],
        [line("20610", "2026-09-10", "95.00", modifiers="RT"), line("20610", "2026-09-10", "95.00", modifiers="LT")],
    )
    b.claim(
        "C2025",
        "P212",
        "MEDICARE",
        ["M17.0"],
        [line("73560", "2026-09-10", "60.00", modifiers="RT"), line("73560", "2026-09-10", "60.00", modifiers="LT")],
        referring_npi=ORDERING_NPI,
    )
    # MOD005: a chest x-ray read for a hospital outpatient billed global; C2027 with 26.
    b.claim(
        "C2026",
        "P213",
        "MEDICARE",
        ["R05.9"],
        [line("71046", "2026-09-11", "45.00")],
        place_of_service="22",
        referring_npi=ORDERING_NPI,
    )
    b.claim(
        "C2027",
        "P202",
        "MEDICARE",
        ["R05.9"],
        [line("71046", "2026-09-11", "15.00", modifiers="26")],
        place_of_service="22",
        referring_npi=ORDERING_NPI,
    )
    # MOD006: letter O keyed for zero in modifier 50. MOD007: 59 keyed twice.
    b.claim("C2028", "P204", "UHC", ["M17.0"], [line("20610", "2026-09-11", "142.50", modifiers="5O")])
    b.claim("C2029", "P211", "UHC", ["M25.561"], [line("20610", "2026-09-11", "95.00", modifiers="59;59")])
