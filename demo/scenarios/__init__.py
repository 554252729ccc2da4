"""Demo scenarios: one file per family of edits, each adding to the demo batch."""
