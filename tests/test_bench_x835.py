"""The benchmark's 835 is a valid remittance: every generated claim, line and adjustment is read, and all balance."""

from bench.x835_speed import measure


def test_the_generated_835_reads_completely_and_balances(tmp_path):
    figures = measure(tmp_path, claims=300)
    lines = sum(1 + n % 3 for n in range(300))
    denied_lines = sum(1 + n % 3 for n in range(300) if n % 10 == 9)
    assert (figures["claims"], figures["lines"]) == (300, lines)
    assert figures["adjustments"] == 2 * lines - denied_lines  # a denial has one reason, a payment two
    assert figures["issues"] == 0
