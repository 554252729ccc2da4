"""The batch: the contract's tables read from one folder and cast to their types."""

from scrubber.batch.load import Batch, load_batch

__all__ = ["Batch", "load_batch"]
