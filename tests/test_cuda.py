"""Tests that need a CUDA device; they skip cleanly without one.

Run them on a GPU machine with ``pytest tests/test_cuda.py`` (or the whole suite
with ``--device cuda`` to run the device-parametrised tests there too).
"""

import pickle

import numpy as np
import pytest
import torch

from sklimb import BilinearNetClassifier, CostSensitiveNetClassifier
from sklimb.losses import log_bilinear_loss
from sklimb.modules import MNISTConvNet
from sklimb.penalty import random_mask

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="CUDA is not available"
)


def test_fit_on_cuda_keeps_everything_on_the_device(digits):
    X, y = digits
    A = random_mask(10, 30, random_state=0)
    clf = BilinearNetClassifier(
        penalty_matrix=A, alpha=0.9, device="cuda", max_epochs=5, random_state=0
    ).fit(X, y)
    assert next(clf.module_.parameters()).is_cuda
    assert clf.criterion_.penalty_matrix.is_cuda
    assert clf.score(X, y) > 0.8
    np.testing.assert_allclose(clf.predict_proba(X).sum(1), 1.0, atol=1e-12)


def test_auto_device_picks_cuda(digits):
    X, y = digits
    clf = CostSensitiveNetClassifier(max_epochs=1, device="auto").fit(X, y)
    assert next(clf.module_.parameters()).is_cuda
    assert clf.device == "auto"


def test_cuda_model_pickles_and_predicts(digits):
    X, y = digits
    clf = CostSensitiveNetClassifier(
        module=MNISTConvNet,
        input_shape=(1, 8, 8),
        device="cuda",
        max_epochs=2,
        random_state=0,
    )
    clf.fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), atol=1e-6)


def test_same_seed_same_result_on_cuda(digits):
    X, y = digits
    runs = [
        CostSensitiveNetClassifier(
            device="cuda", max_epochs=2, random_state=1, sampler="balanced"
        )
        .fit(X, y)
        .predict_proba(X)
        for _ in range(2)
    ]
    np.testing.assert_allclose(runs[0], runs[1], atol=1e-5)


def test_losses_finite_on_cuda_at_extreme_logits():
    z = torch.tensor(
        [[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]], device="cuda", requires_grad=True
    )
    y = torch.tensor([1, 2], device="cuda")
    A = torch.ones(3, 3, device="cuda") - torch.eye(3, device="cuda")
    loss = log_bilinear_loss(z, y, A, alpha=0.99)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(z.grad).all()
