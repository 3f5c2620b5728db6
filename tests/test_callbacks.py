"""Tests of sklimb.callbacks: training guards and class re-weighting."""

import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.metrics import recall_score
from sklearn.model_selection import GridSearchCV

from sklimb import CostSensitiveNetClassifier
from sklimb.callbacks import (
    DeferredReweighting,
    LearnabilityReweighting,
)
from sklimb.datasets import make_long_tailed
from sklimb.weights import compute_class_weight


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


@pytest.fixture(scope="module")
def long_tailed(digits):
    return make_long_tailed(*digits, imbalance_ratio=10, random_state=0)


def _net(callbacks, **params):
    defaults = dict(
        hidden_layer_sizes=(32,),
        max_epochs=4,
        lr=1e-2,
        random_state=0,
        device="cpu",
    )
    defaults.update(params)
    return CostSensitiveNetClassifier(callbacks=callbacks, **defaults)


def _effective_number_weights(net, beta=0.9999):
    return compute_class_weight(
        "effective_number",
        classes=net.classes_,
        class_counts=net.class_counts_,
        beta=beta,
    )


# ----------------------------------------------------------------------
# FiniteLossGuard and EpochProgressBar
# ----------------------------------------------------------------------


def _nan_loss(logits, target):
    return (logits * float("nan")).sum()


def test_finite_loss_guard_stops_on_nan(digits):
    net = _net(None, loss=_nan_loss)
    with pytest.raises(FloatingPointError, match="training loss became nan in epoch 1"):
        net.fit(*digits)


def test_progress_bar_is_closed_after_fit(digits):
    net = _net(None, progress_bar=True, max_epochs=2).fit(*digits)
    assert len(net.history) == 2
    assert not hasattr(dict(net.callbacks_)["progress_bar"], "bar_")


# ----------------------------------------------------------------------
# DeferredReweighting
# ----------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["cross_entropy", "focal", "ldam"])
def test_drw_switches_at_start_epoch(long_tailed, loss):
    net = _net([("drw", DeferredReweighting(start_epoch=3))], loss=loss, max_epochs=5)
    net.fit(*long_tailed)
    assert net.history[:, "drw"] == [False, False, True, True, True]
    expected = _effective_number_weights(net)
    recorded = np.array(net.history[:, "class_weight"])
    np.testing.assert_allclose(recorded[:2], np.ones((2, 10)))
    np.testing.assert_allclose(recorded[2:], np.tile(expected, (3, 1)), rtol=1e-6)
    # The tail class weighs more than the head class, by about the ratio 10.
    assert recorded[-1, -1] / recorded[-1, 0] == pytest.approx(
        net.class_counts_[0] / net.class_counts_[-1], rel=0.01
    )
    np.testing.assert_allclose(net.criterion_.weight.numpy(), expected, rtol=1e-6)
    assert net.criterion_.weight.dtype == torch.float32


@pytest.mark.parametrize(
    "start_epoch, max_epochs, first_drw_epoch",
    [(0.5, 4, 3), (0.8, 10, 9), (0.99, 5, 5), (0.1, 5, 1), (7, 5, None)],
)
def test_drw_start_epoch_as_fraction_or_number(
    long_tailed, start_epoch, max_epochs, first_drw_epoch
):
    drw = DeferredReweighting(start_epoch=start_epoch)
    net = _net([("drw", drw)], max_epochs=max_epochs, hidden_layer_sizes=(8,))
    flags = net.fit(*long_tailed).history[:, "drw"]
    expected = [
        first_drw_epoch is not None and epoch >= first_drw_epoch
        for epoch in range(1, max_epochs + 1)
    ]
    assert flags == expected


def test_drw_weights_enter_the_loss(long_tailed):
    # With a learning rate of 0 the network never changes, so the two epochs'
    # losses differ only by the class weights.
    X, y = long_tailed
    net = _net(
        [("drw", DeferredReweighting(start_epoch=2, class_weight="balanced"))],
        optimizer=torch.optim.SGD,
        lr=0.0,
        batch_size=-1,
        max_epochs=2,
    ).fit(X, y)
    log_proba = torch.log(torch.as_tensor(net.predict_proba(X)))
    target = torch.as_tensor(np.searchsorted(net.classes_, y))
    weight = torch.as_tensor(
        compute_class_weight("balanced", classes=net.classes_, y=y)
    )
    plain = F.nll_loss(log_proba, target).item()
    weighted = F.nll_loss(log_proba, target, weight=weight).item()
    assert net.history[0, "train_loss"] == pytest.approx(plain, rel=1e-5)
    assert net.history[1, "train_loss"] == pytest.approx(weighted, rel=1e-5)
    assert weighted > plain  # the tail classes are the poorly fitted ones


def test_validation_loss_keeps_the_initial_weights(long_tailed):
    # Early stopping must not see the switch: only training batches are
    # re-weighted. With a learning rate of 0 the validation loss is constant.
    net = _net(
        [("drw", DeferredReweighting(start_epoch=2, class_weight="balanced"))],
        optimizer=torch.optim.SGD,
        lr=0.0,
        batch_size=-1,
        max_epochs=3,
        early_stopping=True,
        n_iter_no_change=5,
    ).fit(*long_tailed)
    valid, train = net.history[:, "valid_loss"], net.history[:, "train_loss"]
    assert valid == pytest.approx([valid[0]] * 3, rel=1e-6)
    assert train[1] != pytest.approx(train[0], rel=1e-4)
    assert train[2] == pytest.approx(train[1], rel=1e-6)
    assert net.criterion_.weight is not None  # the last training weights


def test_drw_keeps_the_nets_class_weight_before_the_switch(long_tailed):
    net = _net(
        [("drw", DeferredReweighting(start_epoch=2, beta=0.99))],
        class_weight="inverse_sqrt",
        max_epochs=3,
    ).fit(*long_tailed)
    recorded = np.array(net.history[:, "class_weight"])
    np.testing.assert_allclose(recorded[0], net.class_weight_, rtol=1e-6)
    np.testing.assert_allclose(
        recorded[1], _effective_number_weights(net, beta=0.99), rtol=1e-6
    )


def test_drw_counts_epochs_over_partial_fit(long_tailed):
    net = _net([("drw", DeferredReweighting(start_epoch=3))], max_epochs=2)
    net.fit(*long_tailed)
    assert net.history[:, "drw"] == [False, False]
    assert net.criterion_.weight is None
    net.partial_fit(*long_tailed)
    assert net.history[:, "drw"] == [False, False, True, True]
    # A new fit starts again from the beginning.
    net.fit(*long_tailed)
    assert net.history[:, "drw"] == [False, False]


@pytest.mark.parametrize("start_epoch", [0, -2, 1.0, 1.5, True, "late", None])
def test_drw_rejects_bad_start_epoch(long_tailed, start_epoch):
    net = _net([("drw", DeferredReweighting(start_epoch=start_epoch))])
    with pytest.raises(ValueError, match="start_epoch must be an int >= 1"):
        net.fit(*long_tailed)


def test_drw_rejects_bad_class_weight(long_tailed):
    net = _net([("drw", DeferredReweighting(class_weight="rare"))])
    with pytest.raises(ValueError, match="Unknown class_weight 'rare'"):
        net.fit(*long_tailed)


def _plain_loss(logits, target):
    return F.cross_entropy(logits, target)


@pytest.mark.parametrize(
    "callback", [DeferredReweighting(start_epoch=2), LearnabilityReweighting()]
)
def test_reweighting_needs_a_weighted_criterion(digits, callback):
    net = _net([("cb", callback)], loss=_plain_loss)
    with pytest.raises(TypeError, match="has no 'weight' attribute"):
        net.fit(*digits)


@pytest.mark.parametrize(
    "callback", [DeferredReweighting(start_epoch=3), LearnabilityReweighting(every=2)]
)
def test_reweighted_net_survives_clone_and_pickle(long_tailed, callback):
    net = _net([("cb", callback)], loss="ldam")
    copy = clone(net)
    copied = dict(copy.callbacks)["cb"]
    assert copied is not callback
    assert copied.get_params() == callback.get_params()

    net.fit(*long_tailed)
    restored = pickle.loads(pickle.dumps(net))
    X = long_tailed[0][:20]
    np.testing.assert_array_equal(restored.predict_proba(X), net.predict_proba(X))
    assert restored.history[:, "class_weight"] == net.history[:, "class_weight"]
    np.testing.assert_array_equal(
        restored.criterion_.weight.numpy(), net.criterion_.weight.numpy()
    )
    restored.partial_fit(*long_tailed)
    assert len(restored.history) == 8


def test_drw_start_epoch_is_tunable_in_grid_search(long_tailed):
    net = _net(
        [("drw", DeferredReweighting(start_epoch=2))],
        loss="ldam",
        max_epochs=3,
        hidden_layer_sizes=(8,),
    )
    grid = GridSearchCV(
        net,
        {"callbacks__drw__start_epoch": [2, 0.8]},
        cv=2,
        scoring="balanced_accuracy",
    ).fit(*long_tailed)
    start = grid.best_params_["callbacks__drw__start_epoch"]
    first = 2 if start == 2 else 3  # 0.8 * 3 epochs -> floor(2.4) + 1 = 3
    flags = grid.best_estimator_.history[:, "drw"]
    assert flags == [epoch >= first for epoch in (1, 2, 3)]
    assert dict(net.callbacks)["drw"].start_epoch == 2  # the original is intact


# ----------------------------------------------------------------------
# LearnabilityReweighting
# ----------------------------------------------------------------------


def _target_weights(tpr, eps=0.1, power=1.0):
    error = (1.0 - np.asarray(tpr) + eps) ** power
    return error / error.mean()


def test_worst_class_gets_the_largest_weight_on_balanced_digits(digits):
    # Balanced digits: the classes differ only in how hard they are to learn.
    net = _net(
        [("learn", LearnabilityReweighting(momentum=1.0))],
        lr=1e-3,
        max_epochs=3,
        early_stopping=True,
        n_iter_no_change=3,
        validation_fraction=0.25,
    ).fit(*digits)
    tpr = np.array(net.history[-1, "tpr"])
    weight = net.criterion_.weight.numpy()
    assert tpr.min() < tpr.max()
    assert np.argmax(weight) == np.argmin(tpr)
    assert np.argmin(weight) == np.argmax(tpr)
    # Weights fall as the rate rises (exactly the rule with momentum 1).
    np.testing.assert_allclose(weight, _target_weights(tpr), rtol=1e-6)
    order = np.argsort(tpr)
    assert np.all(np.diff(weight[order]) <= 1e-6)
    assert weight.mean() == pytest.approx(1.0)
    assert net.history[-1, "tpr_variance"] == pytest.approx(np.var(tpr))


def test_learnability_weights_are_smoothed(digits):
    cb = LearnabilityReweighting(momentum=0.3, eps=0.2, power=2.0)
    net = _net([("learn", cb)], lr=1e-3, max_epochs=3).fit(*digits)
    weights = np.array(net.history[:, "class_weight"])
    tprs = np.array(net.history[:, "tpr"])
    np.testing.assert_allclose(weights[0], np.ones(10))
    for epoch in (0, 1):
        update = 0.7 * weights[epoch] + 0.3 * _target_weights(tprs[epoch], 0.2, 2.0)
        np.testing.assert_allclose(
            weights[epoch + 1], update / update.mean(), rtol=1e-5
        )
    np.testing.assert_allclose(cb.weight_, net.criterion_.weight.numpy(), rtol=1e-6)


def test_tpr_on_training_data_is_the_recall_of_the_predictions(digits):
    X, y = digits
    net = _net([("learn", LearnabilityReweighting(every=2))], max_epochs=4)
    net.fit(X, y)
    measured = ["tpr" in row for row in net.history]
    assert measured == [False, True, False, True]
    np.testing.assert_allclose(
        net.history[-1, "tpr"], recall_score(y, net.predict(X), average=None)
    )
    weights = np.array(net.history[:, "class_weight"])
    np.testing.assert_allclose(weights[:2], np.ones((2, 10)))
    assert not np.allclose(weights[2], 1.0)


def test_learnability_multiplies_the_nets_class_weight(long_tailed):
    cb = LearnabilityReweighting()
    net = _net([("learn", cb)], class_weight="balanced", max_epochs=2)
    net.fit(*long_tailed)
    np.testing.assert_allclose(
        net.criterion_.weight.numpy(), net.class_weight_ * cb.weight_, rtol=1e-6
    )
    np.testing.assert_allclose(
        net.history[0, "class_weight"], net.class_weight_, rtol=1e-6
    )


def test_split_valid_needs_a_validation_split(digits):
    net = _net([("learn", LearnabilityReweighting(split="valid"))])
    with pytest.raises(ValueError, match="needs a validation split"):
        net.fit(*digits)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(every=0), "every must be an int >= 1"),
        (dict(every=1.5), "every must be an int >= 1"),
        (dict(batch_size=0), "batch_size must be an int >= 1"),
        (dict(power=0), "power must be a positive number"),
        (dict(eps=-0.1), "eps must be a positive number"),
        (dict(momentum=0), r"momentum must be in \(0, 1\]"),
        (dict(momentum=1.5), r"momentum must be in \(0, 1\]"),
        (dict(split="test"), "split must be one of"),
    ],
)
def test_learnability_rejects_bad_parameters(digits, params, message):
    net = _net([("learn", LearnabilityReweighting(**params))])
    with pytest.raises(ValueError, match=message):
        net.fit(*digits)


def test_callbacks_work_with_a_plain_skorch_net(long_tailed):
    from skorch import NeuralNetClassifier

    from sklimb.modules import MLP

    X, y = long_tailed
    drw = DeferredReweighting(start_epoch=2, class_weight="balanced")
    learn = LearnabilityReweighting()
    net = NeuralNetClassifier(
        MLP,
        module__n_features=X.shape[1],
        module__n_classes=10,
        criterion=torch.nn.CrossEntropyLoss,
        max_epochs=3,
        train_split=None,
        callbacks=[("drw", drw)],
        verbose=0,
    ).fit(X, y)
    assert net.history[:, "drw"] == [False, True, True]
    np.testing.assert_allclose(
        net.criterion_.weight.numpy(),
        compute_class_weight("balanced", classes=np.arange(10), y=y),
        rtol=1e-6,
    )
    net.set_params(callbacks=[("learn", learn)]).fit(X, y)
    tpr = np.array(net.history[-1, "tpr"])
    np.testing.assert_allclose(tpr, recall_score(y, net.predict(X), average=None))
