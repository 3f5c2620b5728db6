"""
=======================================================
Keep errors out of a masked zone with the bilinear loss
=======================================================

Some confusions are worse than others. Here 30 of the 90 possible
(true, predicted) confusions of the handwritten digits are declared costly: a
*mask* ``A`` with ``A[i, j] = 1`` when predicting ``j`` for a true ``i`` must
be avoided. The bilinear loss of Resheff, Mandelbom and Weinshall,
*Controlling imbalanced error in deep learning with the log bilinear loss*,

.. math::

    (1 - \\alpha)\\,\\mathrm{CE} + \\alpha \\sum_j A_{yj}\\, \\hat y_j,

adds the probability the network puts on the masked classes of each sample
to the cross-entropy. We train the same network with ``alpha=0`` (plain
cross-entropy) and ``alpha=0.9`` and compare where their errors fall.
"""

# %%
import os

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklimb import BilinearNetClassifier
from sklimb.metrics import masked_zone_error
from sklimb.penalty import random_mask
from sklimb.plotting import CostConfusionMatrixDisplay

QUICK = os.environ.get("SKLIMB_QUICK", "0") not in ("", "0")
EPOCHS = 30 if QUICK else 60

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16, y, test_size=0.5, stratify=y, random_state=0
)
A = random_mask(10, n_cells=30, random_state=0)

# %%
# Two nets that differ only in ``alpha``.
nets = {
    alpha: BilinearNetClassifier(
        penalty_matrix=A, alpha=alpha, max_epochs=EPOCHS, random_state=0
    ).fit(X_train, y_train)
    for alpha in (0.0, 0.9)
}
for alpha, net in nets.items():
    y_pred = net.predict(X_test)
    print(
        f"alpha={alpha}: accuracy {net.score(X_test, y_test):.3f}, "
        f"{masked_zone_error(y_test, y_pred, A, normalize=False):.0f} errors in "
        f"the mask, {masked_zone_error(y_test, y_pred, A, normalize='errors'):.0%} "
        "of all errors"
    )

# %%
# The confusion matrices of the test set, with the masked cells outlined.
# With the bilinear loss the outlined cells empty out; some of those errors
# move to cells outside the mask, and a few appear where there were none:
# the loss trades accuracy for the errors that matter. How much of one to
# give for the other is set by ``alpha``, which the next example tunes.
fig, axes = plt.subplots(1, 2, figsize=(11, 5))
for ax, (alpha, net) in zip(axes, nets.items(), strict=True):
    CostConfusionMatrixDisplay.from_estimator(
        net, X_test, y_test, ax=ax, colorbar=False
    )
    ax.set_title(f"alpha = {alpha}")
fig.suptitle("Test confusion matrices; outlined: the 30 masked cells")
fig.tight_layout()
plt.show()
