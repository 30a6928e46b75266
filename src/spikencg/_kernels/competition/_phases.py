"""The moments at which the epoch loop calls a competition mode (its ``phase``)."""

__all__ = ["EPOCH_START", "THRESHOLDS", "REGULATE", "EPOCH_END"]

EPOCH_START = 0  # before the epoch's first sample (begin_epoch)
THRESHOLDS = 1  # per sample, before the forward pass: set the training thresholds
REGULATE = 2  # per sample, after the forward pass and before the learning rule
EPOCH_END = 3  # after the epoch's last sample (end_epoch)
