"""
=============================================
Cost matrices from domain costs, by label
=============================================

Costs come from the domain, named by label: "calling a Barolo a Barbera
costs us 10". sklimb takes them that way. A dict ``{(true, predicted):
cost}`` or a :class:`pandas.DataFrame` indexed by labels is aligned to the
fitted ``classes_``, so nobody has to know in which order the classes are
sorted.

The wine data set of scikit-learn holds chemical analyses of wines from three
cultivars, here named after the wines they make. A premium wine sold as a
cheap one loses money; the reverse annoys a customer.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklimb import BilinearNetClassifier, CostSensitiveNetClassifier
from sklimb.metrics import cost_weighted_error
from sklimb.penalty import penalty_matrix_from_pairs
from sklimb.plotting import plot_confusion_matrix

QUICK = os.environ.get("SKLIMB_QUICK", "0") not in ("", "0")
EPOCHS = 40 if QUICK else 100

X, y = load_wine(return_X_y=True)
names = np.array(["barolo", "grignolino", "barbera"])
y = names[y]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)

# %%
# The costs, by label. Cells not named cost 0 here (``default=0``).
costs = {
    ("barolo", "barbera"): 10.0,
    ("barolo", "grignolino"): 5.0,
    ("grignolino", "barbera"): 2.0,
    ("barbera", "barolo"): 1.0,
    ("grignolino", "barolo"): 1.0,
    ("barbera", "grignolino"): 1.0,
}
classes = np.unique(y)  # the order of ``classes_``: sorted labels
C = penalty_matrix_from_pairs(costs, classes)
print(pd.DataFrame(C, index=classes, columns=classes))

# %%
# The dict goes straight into the estimator; ``penalty_matrix_`` is the array
# aligned to ``classes_`` that the loss used. A DataFrame with labels as index
# and columns works the same way.
bilinear = make_pipeline(
    StandardScaler(),
    BilinearNetClassifier(
        penalty_matrix=costs, alpha=0.9, max_epochs=EPOCHS, lr=3e-3, random_state=0
    ),
).fit(X_train, y_train)
net = bilinear[-1]
print("classes_:", net.classes_)
assert np.array_equal(net.penalty_matrix_, C)

plain = make_pipeline(
    StandardScaler(),
    CostSensitiveNetClassifier(max_epochs=EPOCHS, lr=3e-3, random_state=0),
).fit(X_train, y_train)
for name, model in [("cross-entropy", plain), ("bilinear", bilinear)]:
    cost = cost_weighted_error(y_test, model.predict(X_test), C, labels=classes)
    print(f"{name}: mean cost per test wine {cost:.3f}")

# %%
# The wines are nearly separable, so both nets make only a few mistakes on
# the 89 test wines and the mean costs differ by a mistake or two: on data
# this easy a cost matrix has little to change. The point here is the
# bookkeeping: the costs were written by name and landed in the right cells.
#
# The confusion matrices with the costly cells outlined and their costs in
# the corners. :func:`~sklimb.plotting.plot_confusion_matrix` reads the
# fitted ``penalty_matrix_`` of the pipeline's last step; for the plain net
# we pass the costs by label.
fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
plot_confusion_matrix(
    plain, X_test, y_test, penalty_matrix=costs, ax=axes[0], colorbar=False
)
plot_confusion_matrix(bilinear, X_test, y_test, ax=axes[1], colorbar=False)
axes[0].set_title("cross-entropy")
axes[1].set_title("bilinear loss, alpha = 0.9")
fig.tight_layout()
plt.show()
