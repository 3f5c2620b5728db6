"""
==========================================================
Per-sample costs: when each example has its own price
==========================================================

In fraud detection the cost of a missed fraud is the amount stolen, which
differs from one transaction to the next, while a false alarm costs a fixed
review fee. A single cost matrix cannot say that; per-sample costs can.

``fit(X, y, sample_cost=c)`` takes ``c`` of shape ``(n_samples, n_classes)``:
``c[k, j]`` is the cost of predicting class ``j`` for training sample ``k``.
The bilinear loss uses the row ``c[k]`` in place of ``A[y_k]``. At decision
time the true class is unknown, so
:class:`~sklimb.decision.MinimumRiskClassifier` takes one full cost matrix
per example instead (``predict(X, sample_cost=...)``).

The transactions are simulated: two informative features, 10 % fraud, and
amounts drawn from a log-normal distribution, larger for frauds.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklimb import BilinearNetClassifier, CostSensitiveNetClassifier
from sklimb.decision import MinimumRiskClassifier

QUICK = os.environ.get("SKLIMB_QUICK", "0") not in ("", "0")
EPOCHS = 20 if QUICK else 60
FEE = 5.0  # cost of reviewing a legitimate transaction flagged as fraud

rng = np.random.default_rng(0)
X, y = make_classification(
    n_samples=2000 if QUICK else 10000,
    n_features=8,
    n_informative=4,
    weights=[0.9, 0.1],
    class_sep=0.8,
    random_state=0,
)
amount = rng.lognormal(mean=np.where(y == 1, 4.5, 3.5), sigma=1.0)
X = np.column_stack([X, np.log(amount)])  # the amount is known to the model
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test, amount_train, amount_test = train_test_split(
    X, y, amount, test_size=0.5, stratify=y, random_state=0
)


def per_sample_cost(y, amount):
    """c[k, j]: the cost of predicting j (0 legit, 1 fraud) for sample k."""
    c = np.zeros((len(y), 2))
    c[y == 1, 0] = amount[y == 1]  # a missed fraud costs its amount
    c[y == 0, 1] = FEE  # a false alarm costs the review fee
    return c


def total_cost(y_true, y_pred, amount):
    c = per_sample_cost(y_true, amount)
    return c[np.arange(len(y_true)), y_pred].sum()


# %%
# Three ways to use the costs: none (plain cross-entropy), in training (the
# bilinear loss with ``sample_cost``), and in the decision only
# (minimum risk with each transaction's cost matrix).
plain = CostSensitiveNetClassifier(max_epochs=EPOCHS, random_state=0).fit(
    X_train, y_train
)
trained = BilinearNetClassifier(alpha=0.5, max_epochs=EPOCHS, random_state=0).fit(
    X_train, y_train, sample_cost=per_sample_cost(y_train, amount_train) / 100
)
# Per-example cost matrices for the decision: rows true class, columns
# predicted class; only the off-diagonal cells cost something.
test_matrices = np.zeros((len(y_test), 2, 2))
test_matrices[:, 1, 0] = amount_test  # true fraud, predicted legit
test_matrices[:, 0, 1] = FEE  # true legit, predicted fraud
decider = MinimumRiskClassifier(FrozenEstimator(plain)).fit(X_train, y_train)

predictions = {
    "cross-entropy": plain.predict(X_test),
    "bilinear + sample_cost": trained.predict(X_test),
    "minimum risk per example": decider.predict(X_test, sample_cost=test_matrices),
}
costs = {name: total_cost(y_test, p, amount_test) for name, p in predictions.items()}
for name, pred in predictions.items():
    flagged = int(pred.sum())
    print(f"{name:>25}: total cost {costs[name]:9.0f}, {flagged} flagged")

# %%
# The total cost of each approach on the test transactions. Both ways of
# using the costs flag more transactions and lose less money; the decision
# rule uses each transaction's exact amount at test time.
fig, ax = plt.subplots(figsize=(7, 4))
ax.barh(list(costs), list(costs.values()), color=["tab:gray", "tab:blue", "tab:green"])
ax.set_xlabel("total cost on the test set (amounts lost + review fees)")
ax.invert_yaxis()
fig.tight_layout()
plt.show()
