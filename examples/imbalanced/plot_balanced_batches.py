"""
==========================================================================
Four ways to counter a long tail: resampling, balanced batches, weights
==========================================================================

A long-tailed training set can be rebalanced in four places:

* **before the net**, by resampling the data set: imbalanced-learn's
  :class:`~imblearn.over_sampling.RandomOverSampler` in a pipeline;
* **in the batches**: ``sampler="balanced"`` draws each epoch's batches with
  equal class probabilities from the device-resident data, without copying it;
* **in the loss, per class**: ``class_weight="balanced"``;
* **in the loss, per sample**: ``fit(X, y, sample_weight=...)``, here with
  scikit-learn's "balanced" sample weights.

All four see the same long-tailed digits training set (imbalance ratio 20)
and are scored on the same balanced test set. Set ``SKLIMB_QUICK=1`` for a
fast run.
"""

# %%
import os

import numpy as np
import pandas as pd
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.utils.class_weight import compute_sample_weight

from sklimb import CostSensitiveNetClassifier
from sklimb.datasets import load_dataset, make_long_tailed

QUICK = os.environ.get("SKLIMB_QUICK") == "1"
SEEDS = [0] if QUICK else [0, 1, 2, 3, 4]
EPOCHS = 15 if QUICK else 60

data = load_dataset("digits")
X_lt, y_lt = make_long_tailed(
    data.X_train, data.y_train, imbalance_ratio=20, random_state=0
)
print("training samples per class:", np.bincount(y_lt))

# %%
# Each method is a small function returning a fitted model. They share every
# parameter of the net but the one that rebalances.


def net(seed, **params):
    return CostSensitiveNetClassifier(max_epochs=EPOCHS, random_state=seed, **params)


methods = {
    "plain cross-entropy": lambda s: net(s).fit(X_lt, y_lt),
    "RandomOverSampler": lambda s: make_pipeline(
        RandomOverSampler(random_state=s), net(s)
    ).fit(X_lt, y_lt),
    'sampler="balanced"': lambda s: net(s, sampler="balanced").fit(X_lt, y_lt),
    'class_weight="balanced"': lambda s: net(s, class_weight="balanced").fit(
        X_lt, y_lt
    ),
    "sample_weight": lambda s: net(s).fit(
        X_lt, y_lt, sample_weight=compute_sample_weight("balanced", y_lt)
    ),
}

rows = []
for name, fit in methods.items():
    for seed in SEEDS:
        pred = fit(seed).predict(data.X_test)
        recall = recall_score(data.y_test, pred, average=None)
        rows.append(
            {
                "method": name,
                "seed": seed,
                "balanced accuracy": balanced_accuracy_score(data.y_test, pred),
                **{f"recall {c}": r for c, r in enumerate(recall)},
            }
        )
results = pd.DataFrame(rows)

# %%
# Mean over seeds. The rare classes are the high digits (class 9 has the
# fewest training samples); every remedy lifts their recall. The last two rows
# agree because they are the same loss: scikit-learn's "balanced" sample
# weight of a row is the "balanced" class weight of its class.
table = results.drop(columns="seed").groupby("method", sort=False).mean()
print(table.round(3).to_string())

# %%
import matplotlib.pyplot as plt

recall_cols = [c for c in table.columns if c.startswith("recall")]
ax = table[recall_cols].T.plot(marker="o", figsize=(7, 4))
ax.set_xticks(range(len(recall_cols)), [c.split()[-1] for c in recall_cols])
ax.set_xlabel("class (training samples fall from left to right)")
ax.set_ylabel("test recall")
ax.set_title("Per-class recall on a long-tailed digits training set")
plt.tight_layout()
plt.show()
