"""Place of service, preventive visits and Medicare fee-schedule status: each edit next to a clean
claim that differs only in what the edit checks, and the codes Medicare pays under another fee
schedule (lab, DMEPOS, drugs, vaccines) staying clean. Claims C7001-C7099, patients P701-P799,
visits E7001-E7999. As of 2026-09-14."""

from scenarios.c_billing import document_billed_visits

ORDERING_NPI = "1679576722"  # labs and DME need the ordering provider on Medicare claims

PATIENTS = [
    ("P701", "1981-03-14", "F", "AETNA"),
    ("P702", "1979-10-02", "M", "AETNA"),
    ("P703", "1953-06-21", "F", "MEDICARE"),
    ("P704", "1950-12-09", "M", "MEDICARE"),
    ("P705", "1954-02-27", "F", "MEDICARE"),
    ("P706", "1949-08-30", "M", "MEDICARE"),
    ("P707", "1972-05-16", "M", "UHC"),
    ("P708", "1968-11-04", "F", "UHC"),
    ("P709", "1990-01-23", "F", "BCBS_TX"),
    ("P710", "1986-07-12", "M", "BCBS_TX"),
    ("P711", "1995-04-08", "M", "AETNA"),
    ("P712", "1993-09-19", "F", "AETNA"),
    ("P713", "1947-03-03", "F", "MEDICARE"),
    ("P714", "1951-05-25", "M", "MEDICARE"),
    ("P715", "1956-10-17", "M", "MEDICARE"),
    ("P716", "1952-12-01", "F", "MEDICARE"),
    ("P717", "1975-06-06", "M", "UHC"),
    ("P718", "1977-02-11", "F", "UHC"),
    ("P719", "1948-04-29", "M", "MEDICARE"),
    ("P720", "1955-09-09", "F", "MEDICARE"),
    ("P721", "1957-01-31", "F", "MEDICARE"),
    ("P722", "1953-08-14", "M", "MEDICARE"),
    ("P723", "1946-06-02", "F", "MEDICARE"),
    ("P724", "1950-03-18", "M", "MEDICARE"),
    ("P725", "1944-11-26", "M", "MEDICARE"),
    ("P726", "1949-07-07", "F", "MEDICARE"),
    ("P727", "1941-12-19", "F", "MEDICARE"),
    ("P728", "1943-05-05", "M", "MEDICARE"),
    ("P729", "1958-06-30", "F", "MEDICARE"),
    ("P730", "1952-02-22", "M", "MEDICARE"),
    ("P731", "1947-10-10", "F", "MEDICARE"),
    ("P732", "1944-01-15", "M", "MEDICARE"),
    ("P733", "1946-04-04", "F", "MEDICARE"),
]


def line(code, date, charge, pointers="1", **extra):
    return {"procedure_code": code, "service_date": date, "charge": charge, "diagnosis_pointers": pointers, **extra}


def add(b):
    for patient_id, birth, sex, payer in PATIENTS:
        b.patient(patient_id, birth, sex, payer)
    preventive(b)
    place_of_service(b)
    fee_schedule_status(b)
    # Every claim here has its documented visit, so the visit edits stay quiet on them.
    others = {claim["claim_id"] for claim in b.rows["claims"] if not claim["claim_id"].startswith("C70")}
    document_billed_visits(b, skip=others, first_number=7001)


def preventive(b):
    # PREV001: Aetna checkup and a visit for the blood pressure, the visit without 25; C7002 with it.
    for claim_id, patient, modifiers in (("C7001", "P701", ""), ("C7002", "P702", "25")):
        b.claim(
            claim_id,
            patient,
            "AETNA",
            ["Z00.00", "I10"],
            [line("99396", "2026-09-01", "210.00"), line("99213", "2026-09-01", "120.00", "2", modifiers=modifiers)],
        )
    # PTP003 (not PREV001: the NCCI pair G0439/99213 is the PTP edit's): Medicare annual wellness visit
    # and a problem visit without 25; C7004 with it.
    for claim_id, patient, modifiers in (("C7003", "P703", ""), ("C7004", "P704", "25")):
        b.claim(
            claim_id,
            patient,
            "MEDICARE",
            ["Z00.00", "E11.9"],
            [line("G0439", "2026-09-01", "175.00"), line("99213", "2026-09-01", "110.00", "2", modifiers=modifiers)],
        )
    # PREV002: a Medicare patient's routine checkup without GY; C7006 with it.
    b.claim("C7005", "P705", "MEDICARE", ["Z00.00"], [line("99397", "2026-09-02", "230.00")])
    b.claim("C7006", "P706", "MEDICARE", ["Z00.00"], [line("99397", "2026-09-02", "230.00", modifiers="GY")])


def place_of_service(b):
    # POS001: an office visit code for a hospital inpatient; C7008 bills subsequent hospital care.
    b.claim("C7007", "P707", "UHC", ["J18.9"], [line("99213", "2026-09-03", "120.00")], place_of_service="21")
    b.claim("C7008", "P708", "UHC", ["J18.9"], [line("99232", "2026-09-03", "140.00")], place_of_service="21")
    # POS002 (warning): an office visit code in the emergency department; C7010 the ED visit code.
    b.claim("C7009", "P709", "BCBS_TX", ["S93.401A"], [line("99214", "2026-09-03", "160.00")], place_of_service="23")
    b.claim("C7010", "P710", "BCBS_TX", ["S93.401A"], [line("99284", "2026-09-03", "310.00")], place_of_service="23")
    # POS003: an emergency department code at an urgent care centre; C7012 the office visit code there.
    b.claim("C7011", "P711", "AETNA", ["J02.9"], [line("99283", "2026-09-04", "220.00")], place_of_service="20")
    b.claim("C7012", "P712", "AETNA", ["J02.9"], [line("99213", "2026-09-04", "120.00")], place_of_service="20")
    # POS004: subsequent hospital care billed with the office place of service; C7014 with 21.
    b.claim("C7013", "P713", "MEDICARE", ["I50.9"], [line("99232", "2026-09-04", "130.00")])
    b.claim("C7014", "P714", "MEDICARE", ["I50.9"], [line("99232", "2026-09-04", "130.00")], place_of_service="21")
    # POS005 (warning): the physician bills the injection given in the hospital outpatient department,
    # which the hospital bills; C7016 gave it in the office. The drug (J1100, paid at its average sales
    # price, fee-schedule status E) is not a fee-schedule question.
    for claim_id, patient, place in (("C7015", "P715", "22"), ("C7016", "P716", "11")):
        b.claim(
            claim_id,
            patient,
            "MEDICARE",
            ["J45.901"],
            [line("96372", "2026-09-08", "30.00"), line("J1100", "2026-09-08", "12.00", units="10")],
            place_of_service=place,
        )
    # POS006 (warning): a knee arthroscopy with the office place of service; C7018 at the surgical centre.
    for claim_id, patient, place in (("C7017", "P717", "11"), ("C7018", "P718", "24")):
        b.claim(
            claim_id,
            patient,
            "UHC",
            ["S83.241A"],
            [line("29881", "2026-09-08", "1250.00", modifiers="LT")],
            place_of_service=place,
        )


def fee_schedule_status(b):
    # PFS001: an office consultation code, which Medicare does not recognize; C7020 the office visit code.
    b.claim("C7019", "P719", "MEDICARE", ["R00.2"], [line("99244", "2026-09-09", "260.00")])
    b.claim("C7020", "P720", "MEDICARE", ["R00.2"], [line("99204", "2026-09-09", "230.00")])
    # PFS002: the general health panel, which Medicare does not cover, billed as covered; C7022 with GY.
    for claim_id, patient, modifiers in (("C7021", "P721", ""), ("C7022", "P722", "GY")):
        b.claim(
            claim_id,
            patient,
            "MEDICARE",
            ["Z00.00"],
            [line("80050", "2026-09-09", "95.00", modifiers=modifiers)],
            referring_npi=ORDERING_NPI,
        )
    # PFS003: hot packs (always bundled for Medicare) billed beside therapeutic exercise; C7024 without.
    b.claim(
        "C7023",
        "P723",
        "MEDICARE",
        ["M54.50"],
        [line("97110", "2026-09-10", "85.00", modifiers="GP", units="2"), line("97010", "2026-09-10", "15.00")],
    )
    b.claim("C7024", "P724", "MEDICARE", ["M54.50"], [line("97110", "2026-09-10", "85.00", modifiers="GP", units="2")])
    # PFS004 (warning): callus paring, routine foot care, without the class findings; C7026 with Q8 for
    # the diabetic neuropathy the exam documents.
    b.claim("C7025", "P725", "MEDICARE", ["L84"], [line("11055", "2026-09-10", "60.00")])
    b.claim(
        "C7026", "P726", "MEDICARE", ["E11.42", "L84"], [line("11055", "2026-09-10", "60.00", "1;2", modifiers="Q8")]
    )
    # PFS005: medication therapy management, outside the Part B benefit (status X) and paid under no
    # other Medicare fee schedule, billed as covered; C7028 with GY for the patient who agreed to pay.
    b.claim("C7027", "P727", "MEDICARE", ["Z79.899"], [line("99605", "2026-09-11", "75.00")])
    b.claim("C7028", "P728", "MEDICARE", ["Z79.899"], [line("99605", "2026-09-11", "75.00", modifiers="GY")])
    # PFS006: pulse oximetry, which Medicare pays only as the day's sole service, billed with the visit
    # (itself separate from the nebulizer treatment, 25); C7033 bills the oximetry on a day of its own.
    b.claim(
        "C7032",
        "P732",
        "MEDICARE",
        ["J44.1"],
        [
            line("99214", "2026-09-11", "165.00", modifiers="25"),
            line("94640", "2026-09-11", "40.00"),
            line("94760", "2026-09-11", "15.00"),
        ],
    )
    b.claim("C7033", "P733", "MEDICARE", ["J44.1"], [line("94760", "2026-09-11", "15.00")])
    # Clean: the metabolic panel and the blood draw (status X in the physician fee schedule, paid on the
    # clinical laboratory fee schedule), a home walker (DMEPOS fee schedule), and a flu shot with its
    # administration (status X, paid as a Part B vaccine).
    b.claim(
        "C7029",
        "P729",
        "MEDICARE",
        ["E11.9"],
        [line("80053", "2026-09-11", "32.00"), line("36415", "2026-09-11", "10.00")],
        referring_npi=ORDERING_NPI,
    )
    b.claim(
        "C7030",
        "P730",
        "MEDICARE",
        ["M17.11"],
        [line("E0143", "2026-09-11", "140.00", modifiers="NU")],
        place_of_service="12",
        referring_npi=ORDERING_NPI,
    )
    b.claim(
        "C7031",
        "P731",
        "MEDICARE",
        ["Z23"],
        [line("90686", "2026-09-11", "25.00"), line("G0008", "2026-09-11", "20.00")],
    )
