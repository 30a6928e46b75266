"""spikencg: spiking readouts trained with supervised STDP, as scikit-learn estimators.

Public API
----------
TTFSEncoder
    Dense timestamps or intensities to first-spike spike lists (a transformer).
STDPConvFeatures
    Unsupervised STDP convolutional feature extractor (raw images to spike times).
SoftHebbFeatures
    Convolutional network trained without labels by SoftHebb (raw images to spike times).
SpikingReadoutClassifier
    One layer of single-spike IF/LIF neurons trained with S2-STDP, SSTDP, R-STDP or
    S4NN, with Neuronal Competition Groups.
"""

from .encoding import TTFSEncoder
from .features import STDPConvFeatures, load_features, save_features
from .presets import params_from_config
from .readout import SpikingReadoutClassifier, ThresholdWarning
from .softhebb import SoftHebbFeatures
from .spikes import load_spikes, save_spikes, spikes_from_dense, spikes_to_dense

__version__ = "0.1.0"

__all__ = [
    "STDPConvFeatures",
    "SoftHebbFeatures",
    "SpikingReadoutClassifier",
    "TTFSEncoder",
    "ThresholdWarning",
    "load_features",
    "load_spikes",
    "params_from_config",
    "save_features",
    "save_spikes",
    "spikes_from_dense",
    "spikes_to_dense",
]
