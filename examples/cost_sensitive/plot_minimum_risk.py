"""
=====================================================================
Decide with the costs: minimum-risk decisions and tuned thresholds
=====================================================================

A model's probabilities and a cost matrix :math:`C` are enough to choose the
class of least expected cost, :math:`\\arg\\min_j \\sum_i p(i \\mid x)\\,
C_{ij}`, without retraining. The decision is only as good as the
probabilities, so we calibrate them first.

Two cases on scikit-learn's breast cancer data (malignant or benign):

* :class:`~sklimb.decision.MinimumRiskClassifier` on a network whose
  probabilities :class:`~sklearn.calibration.CalibratedClassifierCV` has
  calibrated: the Bayes decision for the costs;
* :class:`~sklearn.model_selection.TunedThresholdClassifierCV`, which
  searches the decision threshold that minimises the cost on
  cross-validation folds, scored by :func:`~sklimb.metrics.make_cost_scorer`.

A missed malignant tumour costs 20, a false alarm costs 1. For two classes
the Bayes decision predicts "malignant" when :math:`p(\\text{malignant})
> 1 / (1 + 20)`.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import TunedThresholdClassifierCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklimb import CostSensitiveNetClassifier
from sklimb.decision import MinimumRiskClassifier
from sklimb.metrics import cost_weighted_error, make_cost_scorer
from sklimb.plotting import plot_confusion_matrix

QUICK = os.environ.get("SKLIMB_QUICK", "0") not in ("", "0")
EPOCHS = 20 if QUICK else 60

data = load_breast_cancer()
y = data.target_names[data.target]  # "malignant" or "benign"
X_train, X_test, y_train, y_test = train_test_split(
    data.data, y, test_size=0.5, stratify=y, random_state=0
)
# rows: true class, columns: predicted class, by label
costs = {("malignant", "benign"): 20.0, ("benign", "malignant"): 1.0}
labels = np.array(["benign", "malignant"])  # sorted, the order of classes_
C = np.array([[0.0, 1.0], [20.0, 0.0]])


def net():
    return make_pipeline(
        StandardScaler(),
        CostSensitiveNetClassifier(max_epochs=EPOCHS, random_state=0),
    )


# %%
# Three decisions from the same kind of network.
models = {
    "most probable class": net().fit(X_train, y_train),
    "minimum risk, calibrated": MinimumRiskClassifier(
        CalibratedClassifierCV(net(), method="sigmoid", cv=3), cost_matrix=costs
    ).fit(X_train, y_train),
    "tuned threshold": TunedThresholdClassifierCV(
        net(),
        scoring=make_cost_scorer(C, labels=labels),
        cv=3,
        store_cv_results=True,
        random_state=0,
    ).fit(X_train, y_train),
}
for name, model in models.items():
    cost = cost_weighted_error(y_test, model.predict(X_test), C, labels=labels)
    print(f"{name:>26}: mean cost per test patient {cost:.3f}")
tuned = models["tuned threshold"]
print(
    f"tuned threshold on p(malignant): {tuned.best_threshold_:.3f}",
    f"(Bayes: {1 / 21:.3f})",
)

# %%
# Left: the cost of each threshold on the cross-validation folds, as
# :class:`~sklearn.model_selection.TunedThresholdClassifierCV` measured it,
# with the chosen threshold and the Bayes threshold 1/21. The two differ
# because the network's own probabilities are not calibrated: on them the
# threshold that works is not the one the costs predict. The tuned threshold
# and the Bayes decision on calibrated probabilities end at about the same
# cost. Right: the test confusion matrix of the minimum-risk decision, the
# costly cells outlined.
fig, (ax_curve, ax_cm) = plt.subplots(1, 2, figsize=(11, 4.5))
ax_curve.plot(tuned.cv_results_["thresholds"], -tuned.cv_results_["scores"])
ax_curve.axvline(tuned.best_threshold_, color="tab:green", ls="--", label="tuned")
ax_curve.axvline(1 / 21, color="tab:red", ls=":", label="Bayes, 1/21")
ax_curve.set_xlabel("threshold on p(malignant)")
ax_curve.set_ylabel("mean cost per patient")
ax_curve.set_xscale("log")
ax_curve.legend()
plot_confusion_matrix(
    models["minimum risk, calibrated"],
    X_test,
    y_test,
    penalty_matrix=costs,
    ax=ax_cm,
    colorbar=False,
)
ax_cm.set_title("minimum-risk decision (test)")
fig.tight_layout()
plt.show()
