"""
=============================================================
A convolutional network on image rows, after a resampler
=============================================================

imbalanced-learn's resamplers and scikit-learn's transformers want 2-D
``X``: one row per image. A convolutional network wants 4-D tensors. sklimb's
``input_shape`` reshapes each row inside the network, so the pipeline stays
2-D until the last step.

Here :class:`~sklimb.modules.MNISTConvNet`, the small CNN of the bilinear-loss
paper's MNIST experiments, classifies the 8x8 digits of scikit-learn after a
:class:`~imblearn.over_sampling.RandomOverSampler` on a long-tailed training
set. A network class receives ``n_classes`` and ``input_shape`` from the
estimator; its other arguments are set with ``module__*``.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline
from sklearn.metrics import balanced_accuracy_score

from sklimb import CostSensitiveNetClassifier
from sklimb.datasets import load_dataset, make_long_tailed
from sklimb.modules import MNISTConvNet

QUICK = os.environ.get("SKLIMB_QUICK", "0") not in ("", "0")
EPOCHS = 5 if QUICK else 30

data = load_dataset("digits")
X_train, y_train = make_long_tailed(
    data.X_train, data.y_train, imbalance_ratio=10, random_state=0
)
print("X_train:", X_train.shape, "- one flat row of 64 pixels per image")

cnn = CostSensitiveNetClassifier(
    MNISTConvNet,
    input_shape=(1, 8, 8),
    module__dropout=0.1,
    loss="focal",
    max_epochs=EPOCHS,
    lr=2e-3,
    random_state=0,
)
pipe = make_pipeline(RandomOverSampler(random_state=0), cnn).fit(X_train, y_train)
y_pred = pipe.predict(data.X_test)
score = balanced_accuracy_score(data.y_test, y_pred)
print(f"balanced accuracy on the test set: {score:.3f}")
print(pipe[-1].module_)

# %%
# The training loss per epoch, from the net's skorch ``history``, and a few
# test images with the predicted label (red when wrong).
fig = plt.figure(figsize=(11, 4))
ax_loss = fig.add_subplot(1, 3, 1)
ax_loss.plot(pipe[-1].history[:, "train_loss"], marker="o")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training loss (focal)")
grid = fig.add_gridspec(3, 6, left=0.42, right=0.98, wspace=0.1, hspace=0.4)
rng = np.random.default_rng(0)
for k, i in enumerate(rng.choice(len(data.X_test), 18, replace=False)):
    ax = fig.add_subplot(grid[k // 6, k % 6])
    ax.imshow(data.X_test[i].reshape(8, 8), cmap="gray_r")
    wrong = y_pred[i] != data.y_test[i]
    ax.set_title(str(y_pred[i]), color="tab:red" if wrong else "black", fontsize=9)
    ax.set_axis_off()
plt.show()
