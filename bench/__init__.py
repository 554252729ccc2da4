"""Speed and scale benchmark: generated batches, the engine timed stage by stage, and its peers."""
