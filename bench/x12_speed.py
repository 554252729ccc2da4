"""837 parse speed: claims per second for a large 837P file, so reading X12 never dominates a night.

The file is built from one TR3-shaped claim template with varied claim ids, members, codes and dates
(one billing provider, one subscriber loop per claim, one to three service lines).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from scrubber.batch.x12 import read_837

CODES = ["99213", "99214", "80053", "85025", "93000", "36415", "J1100", "G0439"]
DIAGNOSES = ["I10", "E119", "E785", "J069", "M5450", "R109", "K219", "F411"]


def _claim(n: int, hl: int) -> list[str]:
    lines = 1 + n % 3
    segments = [
        f"HL*{hl}*1*22*0",
        "SBR*P*18*******CI",
        f"NM1*IL*1*DOE{n % 997}*PAT****MI*M{n:08d}",
        f"DMG*D8*19{50 + n % 50}0{1 + n % 9}1{n % 10}*{'MF'[n % 2]}",
        "NM1*PR*2*AETNA*****PI*AETNA",
        f"CLM*B{n:09d}*{100 * lines}.00***11:B:1*Y*A*Y*Y",
        f"HI*ABK:{DIAGNOSES[n % 8]}*ABF:{DIAGNOSES[(n + 3) % 8]}",
        "NM1*82*1*RENDER*RITA****XX*1045678905",
    ]
    for line in range(1, lines + 1):
        code = CODES[(n + line) % len(CODES)]
        segments += [f"LX*{line}", f"SV1*HC:{code}*100.00*UN*1***1:2", f"DTP*472*D8*202608{1 + (n + line) % 28:02d}"]
    return segments


def write_837(path: Path, claims: int) -> None:
    body = ["BHT*0019*00*1*20260901*1200*CH", "NM1*41*2*DEMO BILLING*****46*S1", "NM1*40*2*AETNA*****46*R1",
            "HL*1**20*1", "NM1*85*2*DEMO CLINIC*****XX*1234567893"]  # fmt: skip
    for n in range(claims):
        body += _claim(n, n + 2)
    write_interchange(path, "HC", "005010X222A1", ["ST*837*0001*005010X222A1", *body])


def write_interchange(path: Path, functional_id: str, version: str, transaction: list[str]) -> None:
    """One transaction set (its ST segment first) in a one-group interchange, SE counting its segments."""
    st = [*transaction, f"SE*{len(transaction) + 1}*0001"]
    isa = "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *260901*1200*^*00501*000000001*0*P*:"
    group = f"GS*{functional_id}*SUBMITTER*RECEIVER*20260901*1200*1*X*{version}"
    segments = [isa, group, *st, "GE*1*1", "IEA*1*000000001"]
    path.write_text("~\n".join(segments) + "~\n", encoding="utf-8")


def timed_read(path: Path, read: Callable, **tables: str) -> dict:
    """Read one generated X12 file and count its rows: `tables` name each figure's table, claims first."""
    started = time.perf_counter()
    result = read(path)
    seconds = time.perf_counter() - started
    counts = {figure: getattr(result, table).height for figure, table in tables.items()}
    return counts | {
        "megabytes": round(path.stat().st_size / 2**20, 1),
        "seconds": round(seconds, 2),
        "claims_per_second": round(counts["claims"] / seconds),
        "issues": result.issues.height,
    }


def measure(scratch: Path, claims: int = 100_000) -> dict:
    path = scratch / "large.837"
    write_837(path, claims)
    figures = timed_read(path, read_837, claims="claims", lines="claim_lines")
    print(
        f"837 parse: {figures['claims']:,} claims ({figures['megabytes']} MB) in {figures['seconds']}s, "
        f"{figures['claims_per_second']:,} claims/s, {figures['issues']} issues",
        flush=True,
    )
    return figures
