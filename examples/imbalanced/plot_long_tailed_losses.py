"""
=====================================================================
Losses for a long tail: focal, class-balanced, LDAM-DRW or resampling
=====================================================================

On a long-tailed training set a network trained with plain cross-entropy
favours the frequent classes. This example compares, on digits whose
training set falls from 150 to 8 images per class (test set balanced), the
losses made for imbalance with over-sampling:

* focal loss (Lin et al., *Focal loss for dense object detection*);
* class-balanced cross-entropy, weighted by the inverse of the effective
  number of samples (Cui et al., *Class-balanced loss based on effective
  number of samples*);
* LDAM with deferred re-weighting (Cao et al., *Learning imbalanced datasets
  with label-distribution-aware margin loss*), through the
  :class:`~sklimb.callbacks.DeferredReweighting` callback;
* :class:`~imblearn.over_sampling.RandomOverSampler` before plain
  cross-entropy.

The per-class recall, drawn by :class:`~sklimb.plotting.ClassRecallDisplay`,
shows where each method gains; its legend gives the balanced accuracy.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline

from sklimb import CostSensitiveNetClassifier
from sklimb.callbacks import DeferredReweighting
from sklimb.datasets import load_dataset, make_long_tailed
from sklimb.plotting import ClassRecallDisplay

QUICK = os.environ.get("SKLIMB_QUICK", "0") not in ("", "0")
EPOCHS = 15 if QUICK else 60

data = load_dataset("digits")
X_train, y_train = make_long_tailed(
    data.X_train, data.y_train, imbalance_ratio=20, random_state=0
)
print("training images per class:", np.bincount(y_train))


def net(**params):
    return CostSensitiveNetClassifier(max_epochs=EPOCHS, random_state=0, **params)


models = {
    "cross-entropy": net(),
    "focal": net(loss="focal", gamma=2.0),
    "class-balanced": net(loss="class_balanced", beta=0.999),
    "LDAM-DRW": net(
        loss="ldam",
        max_margin=0.5,
        scale=5.0,
        callbacks=[("drw", DeferredReweighting(start_epoch=0.8))],
    ),
    "over-sampling + CE": make_pipeline(RandomOverSampler(random_state=0), net()),
}
for model in models.values():
    model.fit(X_train, y_train)

# %%
# The rare classes are on the right. Every method lifts their recall above
# plain cross-entropy's; re-sampling and the class-balanced weights do it
# most, at a small cost on the frequent classes.
disp = ClassRecallDisplay.from_estimator(models, data.X_test, data.y_test)
disp.figure_.set_size_inches(11, 4.5)
disp.ax_.set_xlabel("class (training images fall from left to right)")
disp.ax_.set_title("Per-class test recall after training on a long tail")
plt.tight_layout()
plt.show()
