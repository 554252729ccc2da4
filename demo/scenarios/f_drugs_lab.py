"""Drug and lab edits: a drug's NDC, its form, unit and quantity, an unclassified drug's name, and the
lab's CLIA number, each next to a clean claim that differs only in what the edit checks. Claims
C6001-C6099, patients P601-P699, visits E6001-E6999 (one per claim, same number). As of 2026-09-14."""

ORDERING_NPI = "1679576722"  # the ordering physician of the lab claims (Medicare and Medicaid need one)

PATIENTS = [
    ("P601", "2014-03-09", "F", "MEDICAID_TX"),
    ("P602", "2013-11-21", "M", "MEDICAID_TX"),
    ("P603", "1982-06-30", "F", "UHC"),
    ("P604", "1979-01-15", "M", "UHC"),
    ("P605", "2016-07-04", "M", "MEDICAID_TX"),
    ("P606", "2015-02-19", "F", "MEDICAID_TX"),
    ("P607", "1961-09-12", "F", "MEDICAID_TX"),
    ("P608", "1963-04-27", "M", "MEDICAID_TX"),
    ("P609", "1949-12-02", "M", "MEDICARE"),
    ("P610", "1952-05-18", "F", "MEDICARE"),
    ("P611", "2017-10-10", "F", "MEDICAID_TX"),
    ("P612", "2018-01-29", "M", "MEDICAID_TX"),
    ("P613", "1990-08-08", "F", "UHC"),
    ("P614", "1993-03-03", "F", "UHC"),
]
DEXAMETHASONE = {"ndc": "63323016501", "ndc_unit": "ML", "ndc_quantity": "1"}  # 4 mg/mL vial, 1 mL given
KETOROLAC = {"ndc_unit": "ML", "ndc_quantity": "1"}
CEFTRIAXONE = {"ndc": "00409733201", "ndc_unit": "UN", "ndc_quantity": "1"}  # one 250 mg vial
TREPROSTINIL = {"ndc": "66302010101", "ndc_unit": "ML", "ndc_quantity": "2.5"}


def line(code, date, charge, pointers="1", **extra):
    return {"procedure_code": code, "service_date": date, "charge": charge, "diagnosis_pointers": pointers, **extra}


def claim(b, claim_id, patient_id, payer_id, diagnoses, lines, **header):
    """The claim and the visit the practice system documented for it."""
    b.claim(claim_id, patient_id, payer_id, diagnoses, lines, **header)
    b.encounter(f"E{claim_id[1:]}", patient_id, lines[0]["service_date"], claim_id=claim_id)


def add(b):
    for patient_id, birth, sex, payer in PATIENTS:
        b.patient(patient_id, birth, sex, payer)
    drugs(b)
    labs(b)


def drugs(b):
    # NDC001: Texas Medicaid asthma visit with a dexamethasone injection and no NDC on the J1100
    # line; C6002 carries the vial's NDC, unit and quantity.
    for claim_id, patient, ndc in (("C6001", "P601", {}), ("C6002", "P602", DEXAMETHASONE)):
        claim(
            b,
            claim_id,
            patient,
            "MEDICAID_TX",
            ["J45.41"],
            [
                line("99213", "2026-09-08", "110.00", modifiers="25"),
                line("96372", "2026-09-08", "30.00"),
                line("J1100", "2026-09-08", "12.00", units="4", **ndc),
            ],
        )
    # NDC002: UnitedHealthcare ketorolac with the NDC as printed on the vial (10 digits, hyphens);
    # C6004 sends it as 11 digits in 5-4-2 form.
    for claim_id, patient, ndc in (("C6003", "P603", "0409-3795-01"), ("C6004", "P604", "00409379501")):
        claim(
            b,
            claim_id,
            patient,
            "UHC",
            ["M54.50"],
            [
                line("96372", "2026-09-09", "30.00"),
                line("J1885", "2026-09-09", "9.00", units="2", ndc=ndc, **KETOROLAC),
            ],
        )
    # NDC003: Texas Medicaid ceftriaxone with its NDC but no unit or quantity; C6006 has both.
    for claim_id, patient, amount in (
        ("C6005", "P605", {"ndc": CEFTRIAXONE["ndc"]}),
        ("C6006", "P606", CEFTRIAXONE),
    ):
        claim(
            b,
            claim_id,
            patient,
            "MEDICAID_TX",
            ["J02.0"],
            [line("96372", "2026-09-10", "30.00"), line("J0696", "2026-09-10", "8.00", **amount)],
        )
    # NDC004: Texas Medicaid unclassified drug J3490 without the drug's name; C6008 names it.
    for claim_id, patient, name in (("C6007", "P607", ""), ("C6008", "P608", "TREPROSTINIL 1 MG/ML 2.5 MG SC")):
        claim(
            b,
            claim_id,
            patient,
            "MEDICAID_TX",
            ["I27.0"],
            [
                line("96372", "2026-09-10", "30.00"),
                line("J3490", "2026-09-10", "180.00", description=name, **TREPROSTINIL),
            ],
        )


def labs(b):
    # LAB001: Medicare diabetes visit with an office HbA1c (waived, QW) and no CLIA number on the
    # claim; C6010 has the practice's CLIA number (the demo fills it on lab claims).
    for claim_id, patient, clia in (("C6009", "P609", {"clia_number": ""}), ("C6010", "P610", {})):
        claim(
            b,
            claim_id,
            patient,
            "MEDICARE",
            ["E11.9"],
            [
                line("99213", "2026-09-08", "110.00", modifiers="25"),
                line("83036", "2026-09-08", "13.00", modifiers="QW"),
            ],
            referring_npi=ORDERING_NPI,
            **clia,
        )
    # LAB001: Texas Medicaid rapid strep test without a CLIA number; C6012 has one.
    for claim_id, patient, clia in (("C6011", "P611", {"clia_number": ""}), ("C6012", "P612", {})):
        claim(
            b,
            claim_id,
            patient,
            "MEDICAID_TX",
            ["J02.9"],
            [
                line("99213", "2026-09-09", "95.00", modifiers="25"),
                line("87880", "2026-09-09", "17.00", modifiers="QW"),
            ],
            referring_npi=ORDERING_NPI,
            **clia,
        )
    # LAB002: UnitedHealthcare urinalysis with the CLIA number typed with a dash; C6014 as on the certificate.
    for claim_id, patient, clia in (("C6013", "P613", "45D-0123456"), ("C6014", "P614", "45D0123456")):
        claim(
            b,
            claim_id,
            patient,
            "UHC",
            ["N39.0"],
            [line("99213", "2026-09-10", "110.00", modifiers="25"), line("81002", "2026-09-10", "5.00")],
            clia_number=clia,
        )
