"""The payers' answers: X12 835 remittance advice read into tables that can be matched to the findings."""
