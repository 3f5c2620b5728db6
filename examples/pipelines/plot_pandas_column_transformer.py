"""
===========================================================
Tabular data in pandas: a ColumnTransformer before the net
===========================================================

sklimb's nets take whatever a scikit-learn pipeline hands them. Here a
:class:`pandas.DataFrame` of loan applications, with numeric and
categorical columns, goes through a
:class:`~sklearn.compose.ColumnTransformer` (scaling and one-hot encoding)
into a :class:`~sklimb.BilinearNetClassifier` whose costs are given by label.
The outcome has three classes: "repaid", "late" and "default". Lending to
someone who defaults, predicted "repaid", is the expensive mistake.

The data are simulated so the example runs anywhere.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklimb import BilinearNetClassifier
from sklimb.metrics import make_cost_scorer
from sklimb.penalty import penalty_matrix_from_pairs
from sklimb.plotting import plot_confusion_matrix

QUICK = os.environ.get("SKLIMB_QUICK", "0") not in ("", "0")
EPOCHS = 15 if QUICK else 60
N = 1200 if QUICK else 6000

rng = np.random.default_rng(0)
loans = pd.DataFrame(
    {
        "income": rng.lognormal(10.5, 0.5, N),
        "amount": rng.lognormal(9.0, 0.7, N),
        "age": rng.integers(19, 75, N),
        "region": rng.choice(["north", "south", "east", "west"], N),
        "purpose": rng.choice(
            ["car", "home", "studies", "other"], N, p=[0.3, 0.3, 0.1, 0.3]
        ),
    }
)
risk = (
    np.log(loans["amount"] / loans["income"])
    - 0.02 * (loans["age"] - 40)
    + loans["purpose"].map({"car": 0.0, "home": -0.3, "studies": 0.4, "other": 0.2})
    + loans["region"].map({"north": 0.0, "south": 0.2, "east": -0.1, "west": 0.1})
    + rng.normal(0, 0.5, N)
)
outcome = np.select([risk < -1.2, risk < -0.6], ["repaid", "late"], "default")
print(loans.head())
print(pd.Series(outcome).value_counts())

# %%
# Costs by label: rows the truth, columns the prediction.
costs = {
    ("default", "repaid"): 10.0,
    ("default", "late"): 4.0,
    ("late", "repaid"): 2.0,
    ("repaid", "late"): 1.0,
    ("repaid", "default"): 1.0,
    ("late", "default"): 1.0,
}
labels = np.array(["default", "late", "repaid"])  # sorted: the order of classes_
C = penalty_matrix_from_pairs(costs, labels)

preprocess = ColumnTransformer(
    [
        ("numeric", StandardScaler(), ["income", "amount", "age"]),
        ("categories", OneHotEncoder(sparse_output=False), ["region", "purpose"]),
    ]
)
model = make_pipeline(
    preprocess,
    BilinearNetClassifier(
        penalty_matrix=costs, alpha=0.7, max_epochs=EPOCHS, random_state=0
    ),
)
X_train, X_test, y_train, y_test = train_test_split(
    loans, outcome, test_size=0.3, stratify=outcome, random_state=0
)
scores = cross_val_score(
    model,
    X_train,
    y_train,
    scoring=make_cost_scorer(C, labels=labels),
    cv=2 if QUICK else 5,
)
print(f"cross-validated mean cost per loan: {-scores.mean():.3f} ± {scores.std():.3f}")
model.fit(X_train, y_train)
print("features the net sees:", model[0].get_feature_names_out().tolist())

# %%
# The test confusion matrix, with the costs of each mistake in the corners.
disp = plot_confusion_matrix(
    model, X_test, y_test, labels=["repaid", "late", "default"]
)
disp.ax_.set_title("Loan outcomes (test), costs in red")
plt.tight_layout()
plt.show()
