"""The benchmark's 837 file is a valid 837P: every generated claim and line is read, with no issue."""

from bench.x12_speed import measure


def test_the_generated_837_reads_completely(tmp_path):
    figures = measure(tmp_path, claims=300)
    assert figures["claims"] == 300 and figures["lines"] == sum(1 + n % 3 for n in range(300))
    assert figures["issues"] == 0
