"""The moments at which the epoch loop asks a competition mode for its ranges of
neurons (its ``phase``), and what the range means at each."""

__all__ = ["EPOCH_START", "THRESHOLDS", "REGULATE", "EPOCH_END"]

EPOCH_START = 0  # before an epoch: these neurons' training thresholds are reset to theta
THRESHOLDS = 1  # per sample: these neurons fire with their training thresholds phi
REGULATE = 2  # per sample, after the forward pass: this group's phi is regulated
EPOCH_END = 3  # after an epoch: these neurons' decision thresholds take the values of phi
