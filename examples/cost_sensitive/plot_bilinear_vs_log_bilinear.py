"""
=====================================
Bilinear or log-bilinear loss?
=====================================

Both losses add a cost term to the cross-entropy, with the mask (or cost
matrix) ``A`` and the predicted probabilities :math:`\\hat y`:

* bilinear, :math:`\\sum_j A_{yj} \\hat y_j`: linear in the probabilities,
  bounded by the largest cost;
* log-bilinear, :math:`-\\sum_j A_{yj} \\log(1 - \\hat y_j)`: grows without
  bound as a costly probability approaches 1, so it pushes harder on
  confident mistakes.

Resheff, Mandelbom and Weinshall (*Controlling imbalanced error in deep
learning with the log bilinear loss*) expected the log-bilinear loss to
reduce the masked-zone error more for small masks. We compare the two across
``alpha`` on the digits with the mask of 30 cells of the first example,
cross-validated, and plot the masked-zone error against ``alpha`` and
against the overall error.
"""

# %%
import os

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklimb import CostSensitiveNetClassifier
from sklimb.metrics import make_masked_zone_scorer
from sklimb.penalty import random_mask
from sklimb.plotting import AlphaTradeoffDisplay

QUICK = os.environ.get("SKLIMB_QUICK", "0") not in ("", "0")
EPOCHS = 20 if QUICK else 60
ALPHAS = [0.0, 0.5, 0.9, 0.95] if QUICK else [0.0, 0.1, 0.5, 0.9, 0.95, 0.99]

X, y = load_digits(return_X_y=True)
A = random_mask(10, n_cells=30, random_state=0)
search = GridSearchCV(
    CostSensitiveNetClassifier(penalty_matrix=A, max_epochs=EPOCHS, random_state=0),
    {"loss": ["bilinear", "log_bilinear"], "alpha": ALPHAS},
    scoring={"masked": make_masked_zone_scorer(A), "accuracy": "accuracy"},
    refit=False,
    cv=StratifiedKFold(3 if QUICK else 5, shuffle=True, random_state=0),
).fit(X / 16, y)

# %%
# Left, the masked-zone error against ``alpha``, with one standard deviation
# over the folds; right, the same points against the overall error. Both
# losses empty the mask as ``alpha`` grows, and both pay for it in overall
# error; the log-bilinear loss, whose gradient grows with the costly
# probability, gets a little further at the same ``alpha``.
fig, (ax_alpha, ax_error) = plt.subplots(1, 2, figsize=(11, 4.5))
AlphaTradeoffDisplay.from_cv_results(
    search, cost_metric="masked", cost_name="masked-zone error", x="alpha", ax=ax_alpha
)
AlphaTradeoffDisplay.from_cv_results(
    search, cost_metric="masked", cost_name="masked-zone error", ax=ax_error
)
ax_alpha.set_title("Errors in the mask against alpha")
ax_error.set_title("... against all errors")
fig.tight_layout()
plt.show()
