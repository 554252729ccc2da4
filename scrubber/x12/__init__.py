"""X12 pieces shared by the 837 claim reader (scrubber.batch.x12) and the 835 remittance reader (scrubber.remit)."""
