"""Outputs of a run: findings files, summary.json and the billers' fix list. Reads findings only."""
