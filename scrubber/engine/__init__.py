"""The engine: rules compiled to Polars lazy queries over the whole batch."""
