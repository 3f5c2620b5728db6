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
``alpha`` on the digits with a mask of 20 cells, cross-validated, and plot
both the masked-zone error and the overall error against ``alpha``.
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
EPOCHS = 10 if QUICK else 50
ALPHAS = [0.0, 0.9, 0.99] if QUICK else [0.0, 0.1, 0.5, 0.9, 0.95, 0.99]

X, y = load_digits(return_X_y=True)
A = random_mask(10, n_cells=20, random_state=1)
search = GridSearchCV(
    CostSensitiveNetClassifier(max_epochs=EPOCHS, random_state=0),
    {"loss": ["bilinear", "log_bilinear"], "alpha": ALPHAS},
    scoring={"masked": make_masked_zone_scorer(A), "accuracy": "accuracy"},
    refit=False,
    cv=StratifiedKFold(2 if QUICK else 5, shuffle=True, random_state=0),
).fit(X / 16, y)

# %%
# Left, the masked-zone error; right, the overall error; both against
# ``alpha``, with one standard deviation over the folds. At small ``alpha``
# the two losses behave alike; at large ``alpha`` the log-bilinear loss,
# whose gradient grows with the costly probability, can drive the masked-zone
# error lower, and the accuracy pays for it.
fig, (ax_masked, ax_error) = plt.subplots(1, 2, figsize=(11, 4.5))
AlphaTradeoffDisplay.from_cv_results(
    search, cost_metric="masked", cost_name="masked-zone error", x="alpha", ax=ax_masked
)
AlphaTradeoffDisplay.from_cv_results(
    {
        **search.cv_results_,
        # the overall error as the "cost": 1 - accuracy = -(accuracy - 1)
        "mean_test_error": search.cv_results_["mean_test_accuracy"] - 1,
        "std_test_error": search.cv_results_["std_test_accuracy"],
    },
    cost_metric="error",
    accuracy_metric="accuracy",
    cost_name="overall error rate",
    x="alpha",
    ax=ax_error,
)
ax_masked.set_title("Errors in the mask")
ax_error.set_title("All errors")
fig.tight_layout()
plt.show()
