"""835 read speed: claims per second for a large remittance, so reading the payers' answers never dominates a night.

The file is one check paying many claims: one to three service lines each, a fee-schedule cut and a
deductible on every line (one CAS with two triplets), every tenth claim denied with a remark code,
every fiftieth a reversal. Every claim, line and the check balance, so a clean read has no issue.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bench.x12_speed import CODES, timed_read, write_interchange
from scrubber.remit.x835 import read_835


def _claim(n: int) -> tuple[list[str], Decimal]:
    lines = 1 + n % 3
    denied, reversal = n % 10 == 9, n % 50 == 49
    sign = -1 if reversal else 1
    charge, paid, deductible = Decimal(100) * sign, Decimal(0 if denied else 60) * sign, Decimal(0 if denied else 10)
    status = "22" if reversal else "4" if denied else "1"
    segments = [
        f"CLP*B{n:09d}*{status}*{charge * lines}*{paid * lines}*{deductible * lines * sign}*CI*PCN{n:09d}",
        f"NM1*QC*1*DOE{n % 997}*PAT****MI*M{n:08d}",
        f"DTM*232*202608{1 + n % 28:02d}",
    ]
    for line in range(1, lines + 1):
        code = CODES[(n + line) % len(CODES)]
        segments += [f"SVC*HC:{code}*{charge}*{paid}**1", f"DTM*472*202608{1 + n % 28:02d}"]
        if denied:
            segments += [f"CAS*CO*50*{charge}", "LQ*HE*N115"]
        else:
            segments += [f"CAS*CO*45*{charge - paid - deductible * sign}**1*{deductible * sign}"]
        segments.append(f"REF*6R*B{n:09d}-{line}")
    return segments, paid * lines


def write_835(path: Path, claims: int) -> None:
    body, total = [], Decimal(0)
    for n in range(claims):
        segments, paid = _claim(n)
        body += segments
        total += paid
    header = [f"BPR*I*{total}*C*ACH*CCP*01*999999999*DA*123456*1234567890**01*888888888*DA*654321*20260910",
              "TRN*1*EFT20260910*1234567890", "DTM*405*20260910", "N1*PR*AETNA", "REF*2U*60054",
              "N1*PE*DEMO CLINIC*XX*1234567893", "LX*1"]  # fmt: skip
    write_interchange(path, "HP", "005010X221A1", ["ST*835*0001", *header, *body])


def measure(scratch: Path, claims: int = 100_000) -> dict:
    path = scratch / "large.835"
    write_835(path, claims)
    figures = timed_read(path, read_835, claims="claims", lines="service_lines", adjustments="adjustments")
    print(
        f"835 read: {figures['claims']:,} claims, {figures['lines']:,} lines, {figures['adjustments']:,} adjustments "
        f"({figures['megabytes']} MB) in {figures['seconds']}s, {figures['claims_per_second']:,} claims/s, "
        f"{figures['issues']} issues",
        flush=True,
    )
    return figures


if __name__ == "__main__":
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        measure(Path(scratch), int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
