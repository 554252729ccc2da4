"""The peers the engine is measured against: the same edits as DuckDB SQL and as per-claim Python."""
