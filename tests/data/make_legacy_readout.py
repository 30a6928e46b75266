"""Write ``legacy_readout.pkl``: SpikingReadoutClassifier models pickled by spikencg
before its training state was one object (commit ce266f1), for
``tests/test_user_errors.py``.

Run with that version on the path, e.g. ``git worktree add /tmp/base ce266f1`` and
``PYTHONPATH=/tmp/base/src python tests/data/make_legacy_readout.py``. Two models of
digits' first 300 samples (as first-spike times), trained one epoch with
``warm_start=True``: "model" as saved, "older" without the records of the rates set
(``_threshold_param``, ``_anneal``, ``_rate_base``, ``_eta_anneal``, ``_eta_base``), as
saved by versions before them.
"""

import copy
import pickle
from pathlib import Path

from sklearn.datasets import load_digits

from spikencg import SpikingReadoutClassifier

X, y = load_digits(return_X_y=True)
X, y = 1.0 - X[:300] / 16.0, y[:300]  # first-spike times (the digits fixture of the tests)
model = SpikingReadoutClassifier(max_iter=1, random_state=0, warm_start=True).fit(X, y)
assert hasattr(model, "_p")
older = copy.deepcopy(model)
for name in ("_threshold_param", "_anneal", "_rate_base", "_eta_anneal", "_eta_base"):
    delattr(older, name)
with open(Path(__file__).with_name("legacy_readout.pkl"), "wb") as f:
    pickle.dump({"model": model, "older": older}, f, protocol=4)
