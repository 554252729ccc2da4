"""Scrubbing one night in patient shards, on local processes or a Ray cluster, with the findings of one run.

The driver (`scrubber run --workers/--engine/--shards`) loads the batch, cuts it and the earlier runs'
billed lines by patient into shard folders (cut.py, the contract in contract.py), has a backend run
`scrubber shard-run` on each (local.py, ray_backend.py) and merges their findings; the load-issue rules,
the summary and every output file stay on the driver, so the outputs are those of a local run.
"""
