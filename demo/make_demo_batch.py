import csv
from pathlib import Path
out = Path("demo/batch")
NPI_BILL, NPI_R1, NPI_R2 = "1234567893", "1045678905", "1987654328"
patients = [
 ("P001","1958-04-11","F"),("P002","1947-09-02","M"),("P003","1990-01-23","F"),("P004","1975-06-30","M"),
 ("P005","2012-11-05","F"),("P006","1983-03-14","M"),("P007","1966-12-01","F"),("P008","1999-07-19","M"),
 ("P009","1952-02-27","F"),("P010","1971-10-08","M"),("P011","1988-05-16","F"),("P012","1944-08-21","M"),
 ("P013","2001-04-04","F"),("P014","1962-09-29","M"),("P015","1979-01-12","F"),("P016","1993-06-06","M"),
 ("P017","1955-11-17","F"),("P018","1986-02-02","M"),("P019","1969-07-25","F"),("P020","1997-12-30","M"),
]
payer_of = {"P001":"MEDICARE","P002":"MEDICARE","P003":"AETNA","P004":"BCBS_TX","P005":"MEDICAID_TX","P006":"UHC",
 "P007":"MEDICARE","P008":"AETNA","P009":"MEDICARE","P010":"BCBS_TX","P011":"UHC","P012":"MEDICARE","P013":"MEDICAID_TX",
 "P014":"AETNA","P015":"BCBS_TX","P016":"UHC","P017":"MEDICARE","P018":"CIGNA","P019":"AETNA","P020":"UHC"}
member = {p: f"M{p[1:]}X" for p in payer_of}
elig = []
for p, payer in payer_of.items():
    if p == "P008":  # coverage ended before the visit
        elig.append((member[p], payer, "2024-01-01", "2026-02-28", "active"))
    elif p != "P018":
        elig.append((member[p], payer, "2025-01-01", "", "active"))
claims, lines = [], []
def claim(cid, p, dx, ls, pos="11", rendering=NPI_R1, freq="1"):
    total = sum(float(l[3]) for l in ls)
    claims.append((cid, p, member[p], payer_of[p], "professional", NPI_BILL, rendering, "", pos, ";".join(dx), "", freq, f"{total:.2f}"))
    for n, (code, mods, units, charge, date, ptr, lpos) in enumerate([(l+("",))[:7] for l in ls], 1):
        lines.append((cid, n, code, mods, units, charge, date, ptr, lpos, ""))
# clean claims
claim("C1001","P001",["I10"],[("99213","","1","110.00","2026-03-02","1")])
claim("C1002","P002",["E11.9","I10"],[("99214","","1","165.00","2026-03-03","1;2"),("83036","","1","28.00","2026-03-03","1")])
claim("C1003","P003",["J06.9"],[("99213","","1","120.00","2026-03-04","1")])
claim("C1004","P004",["M54.50"],[("99203","","1","150.00","2026-03-05","1")])
claim("C1005","P005",["Z00.129"],[("99393","","1","140.00","2026-03-05","1")])
claim("C1006","P006",["F41.1"],[("99214","95","1","160.00","2026-03-06","1")], pos="10")
claim("C1007","P007",["E78.5","I10"],[("99213","","1","110.00","2026-03-06","1;2"),("80061","","1","35.00","2026-03-06","1")])
claim("C1009","P009",["M17.11"],[("99213","25","1","110.00","2026-03-09","1"),("20610","RT","1","95.00","2026-03-09","1")])
claim("C1010","P010",["K21.9"],[("99212","","1","80.00","2026-03-09","1")])
claim("C1011","P011",["N39.0"],[("99213","","1","120.00","2026-03-10","1"),("81001","","1","12.00","2026-03-10","1")])
claim("C1012","P012",["I48.91","I10"],[("99214","","1","165.00","2026-03-10","1;2"),("93000","","1","45.00","2026-03-10","1")])
claim("C1013","P013",["J02.9"],[("99213","","1","95.00","2026-03-11","1")])
claim("C1015","P015",["L03.116"],[("99213","","1","120.00","2026-03-11","1")])
claim("C1016","P016",["G43.909"],[("99204","","1","210.00","2026-03-12","1")])
claim("C1017","P017",["E03.9"],[("99213","","1","110.00","2026-03-12","1"),("84443","","1","30.00","2026-03-12","1")])
claim("C1019","P019",["R10.9"],[("99213","","1","120.00","2026-03-12","1")])
# ELIG001: coverage ended 2026-02-28
claim("C1008","P008",["J01.90"],[("99213","","1","120.00","2026-03-04","1")])
# DX002: category header E11 instead of a full code
claim("C1014","P014",["E11"],[("99213","","1","120.00","2026-03-11","1")])
# DX001: a code that does not exist (E11.99)
claim("C1020","P020",["E11.99"],[("99213","","1","120.00","2026-03-12","1")])
# DX010: prostate hyperplasia on a female patient's claim
claim("C1021","P015",["N40.0"],[("99213","","1","120.00","2026-03-13","1")])
# MOD001: telehealth at home without modifier 95
claim("C1022","P016",["F32.A"],[("99214","","1","160.00","2026-03-13","1")], pos="10")
# DQ003: payer without a profile
claim("C1023","P018",["I10"],[("99213","","1","110.00","2026-03-13","1")])
# DQ001: an impossible service date
claim("C1024","P019",["M25.561"],[("99213","","1","120.00","2026-02-30","1")])
claims_rows = claims
lines.append(("C1099", 1, "99213", "", "1", "110.00", "2026-03-13", "1", "", ""))  # DQ002: line whose claim is missing
def write(name, header, rows):
    with open(out / f"{name}.csv", "w", newline="") as h:
        w = csv.writer(h); w.writerow(header); w.writerows(rows)
write("claims", ["claim_id","patient_id","member_id","payer_id","claim_type","billing_npi","rendering_npi","referring_npi","place_of_service","diagnosis_codes","prior_auth_number","frequency_code","total_charge"], claims_rows)
write("claim_lines", ["claim_id","line_number","procedure_code","modifiers","units","charge","service_date","diagnosis_pointers","place_of_service","ndc"], lines)
write("patients", ["patient_id","birth_date","sex"], patients)
write("eligibility", ["member_id","payer_id","coverage_start","coverage_end","status"], elig)
print(len(claims_rows), len(lines))
