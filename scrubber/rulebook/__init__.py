"""The rulebook: rule YAML, payer profiles and reference tables, read and validated.

It knows nothing of batches; the engine joins the two.
"""
