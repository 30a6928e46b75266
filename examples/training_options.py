"""Early stopping, online learning, probabilities and the training history.

    python examples/training_options.py
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import train_test_split

from spikencg import SpikingReadoutClassifier, TTFSEncoder


def main():
    X, y = load_digits(return_X_y=True)
    enc = TTFSEncoder(encoding="intensity").fit(X)
    S = enc.transform(X)
    S_train, S_test, y_train, y_test = train_test_split(S, y, test_size=0.3, stratify=y,
                                                        random_state=0)

    # 1. early stopping on a stratified 10 % validation split, best epoch restored
    clf = SpikingReadoutClassifier(early_stopping=True, n_iter_no_change=10, max_iter=100,
                                   verbose=1, random_state=0)
    clf.fit(S_train, y_train)
    print(f"stopped after {clf.n_iter_} epochs, best epoch {clf.best_iteration_} "
          f"(validation accuracy {clf.best_score_:.4f}); test accuracy "
          f"{clf.score(S_test, y_test):.4f}")

    # 2. probabilities from spike times and potentials
    P = clf.predict_proba(S_test)
    print(f"log loss {log_loss(y_test, P):.3f}, ROC AUC (ovr) "
          f"{roc_auc_score(y_test, P, multi_class='ovr'):.4f}")

    # 3. online learning: one epoch per partial_fit call, state carried over
    online = SpikingReadoutClassifier(random_state=0)
    for _ in range(5):
        online.partial_fit(S_train, y_train, classes=np.unique(y))
    print(f"5 partial_fit epochs: test accuracy {online.score(S_test, y_test):.4f}")

    # 4. the history: updates received per epoch by the 5 neurons of class 0's NCG
    #    (the first is its non-target neuron), as in the paper's Figure 2
    print("updates per epoch, class 0 NCG (own-class samples):")
    print(clf.updates_own_class_[:5, :5])
    print(f"silent samples per epoch: {np.round(clf.silent_fraction_[:5], 3)}")


if __name__ == "__main__":
    main()
