"""Medical claim scrubber: YAML payer and coding edits compiled to Polars queries."""

__version__ = "0.1.0"
