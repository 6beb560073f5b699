"""An independent witness: cosigns a log's checkpoints only after checking consistency."""
