"""
=======================================================================
Tune alpha and the penalty matrix in a pipeline with a resampler
=======================================================================

``alpha``, ``penalty_matrix`` and ``loss`` are hyperparameters of sklimb's
nets, so :class:`~sklearn.model_selection.GridSearchCV` tunes them like any
other, here inside an imbalanced-learn :class:`~imblearn.pipeline.Pipeline`
that may also over-sample the training folds.

The task: digits with a long tail (the high digits are rare in training) and
30 confusions that must be avoided, scored by the masked-zone error. The
search varies

* ``alpha``, the weight of the bilinear term;
* the training matrix: the mask itself, or the mask plus a small cost on
  every other error, which keeps some pressure on the overall accuracy;
* the resampler: none, or :class:`~imblearn.over_sampling.RandomOverSampler`.

:func:`~sklimb.plotting.plot_alpha_tradeoff` draws the result from the
search's ``cv_results_``: the masked-zone error against the overall error,
one line per matrix and resampler, one point per ``alpha``.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sklimb import BilinearNetClassifier
from sklimb.datasets import make_long_tailed
from sklimb.metrics import make_masked_zone_scorer
from sklimb.penalty import random_mask
from sklimb.plotting import plot_alpha_tradeoff

QUICK = os.environ.get("SKLIMB_QUICK", "0") not in ("", "0")
EPOCHS = 20 if QUICK else 40
ALPHAS = [0.0, 0.5, 0.9] if QUICK else [0.0, 0.25, 0.5, 0.75, 0.9, 0.95]

X, y = load_digits(return_X_y=True)
X, y = make_long_tailed(X, y, imbalance_ratio=10, random_state=0)
print("samples per class:", np.bincount(y))
A = random_mask(10, n_cells=30, random_state=0)
A_soft = A + 0.1 * (1 - np.eye(10) - A)  # the mask, plus 0.1 on other errors

pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("sampler", "passthrough"),
        ("net", BilinearNetClassifier(max_epochs=EPOCHS, random_state=0)),
    ]
)
grid = {
    "net__alpha": ALPHAS,
    "net__penalty_matrix": [A, A_soft],
    "sampler": ["passthrough", RandomOverSampler(random_state=0)],
}
search = GridSearchCV(
    pipe,
    grid,
    scoring={"masked": make_masked_zone_scorer(A), "accuracy": "accuracy"},
    refit="masked",
    cv=StratifiedKFold(2 if QUICK else 5, shuffle=True, random_state=0),
).fit(X, y)
print(
    "best:",
    {k: v for k, v in search.best_params_.items() if k != "net__penalty_matrix"},
)
print(f"masked-zone error of the best: {-search.best_score_:.4f}")

# %%
# Each line is one training matrix and resampler; along it ``alpha`` grows
# and the masked-zone error falls while the overall error rises.
# ``penalty_matrix #1`` is the mask, ``#2`` the softened mask.
disp = plot_alpha_tradeoff(search, cost_metric="masked", cost_name="masked-zone error")
disp.figure_.set_size_inches(8, 5.5)
disp.ax_.set_title("Masked-zone error against overall error (cross-validated)")
disp.ax_.legend(loc="upper right", fontsize="small")
plt.tight_layout()
plt.show()
