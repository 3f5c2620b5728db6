"""The epoch loop (batch losses read once per epoch), capture options and
bfloat16 on the CPU; the CUDA side is in test_cuda.py."""

import math
import pickle
import warnings
import weakref
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, PassthroughScoring
from skorch.history import History

from sklimb import CostSensitiveNetClassifier
from sklimb._capture import capture_blockers
from sklimb._monitoring import EpochLoss, FiniteLossGuard
from sklimb._training import acts_per_batch, lean_step_allowed

FAST = dict(max_epochs=3, batch_size=64, random_state=0, device="cpu")


class _EveryBatch(Callback):
    """Does nothing, but on every batch: forces skorch's own epoch loop."""

    def on_batch_end(self, net, **kwargs):
        pass


def test_lean_epoch_writes_the_history_skorchs_loop_writes(digits):
    X, y = digits
    lean = CostSensitiveNetClassifier(**FAST).fit(X, y)
    per_batch = CostSensitiveNetClassifier(
        callbacks=[("every_batch", _EveryBatch())], **FAST
    ).fit(X, y)
    assert not acts_per_batch(lean)
    assert acts_per_batch(per_batch)
    for key in ("train_loss", "train_batch_size"):
        np.testing.assert_allclose(
            lean.history[:, "batches", :, key],
            per_batch.history[:, "batches", :, key],
            rtol=1e-6,
        )
    assert lean.history[:, "train_batch_count"] == [29, 29, 29]
    assert lean.history[:, "train_loss"] == pytest.approx(
        per_batch.history[:, "train_loss"], rel=1e-6
    )
    np.testing.assert_allclose(
        lean.predict_proba(X), per_batch.predict_proba(X), atol=1e-6
    )


def test_lean_epoch_with_early_stopping_records_validation_batches(digits):
    X, y = digits
    clf = CostSensitiveNetClassifier(
        early_stopping=True, **{**FAST, "max_epochs": 4}
    ).fit(X, y)
    first = clf.history[0]
    valid = [b["valid_loss"] for b in first["batches"] if "valid_loss" in b]
    assert first["valid_batch_count"] == len(valid) == 3
    assert np.isfinite(clf.history[:, "valid_loss"]).all()


def test_nan_loss_is_caught_at_the_end_of_the_epoch(digits):
    X, y = digits

    def nan_after_first_batches(logits, target):
        return torch.nn.functional.cross_entropy(logits, target) / 0.0 * 0.0

    with pytest.raises(FloatingPointError, match="training loss became nan in epoch 1"):
        CostSensitiveNetClassifier(loss=nan_after_first_batches, **FAST).fit(X, y)


def test_capture_is_off_on_the_cpu(digits):
    X, y = digits
    for option in ("auto", True, False):
        clf = CostSensitiveNetClassifier(cuda_graph=option, **FAST).fit(X, y)
        assert clf.cuda_graph_ == 0
        assert clf.score(X, y) > 0.8
    assert capture_blockers(clf) == ["the device is 'cpu', not CUDA"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"early_stopping": True},
        {"early_stopping": "train_loss"},
        {"progress_bar": True, "verbose": 1},
    ],
)
def test_default_callbacks_never_block_capture(digits, params):
    # Only the device may keep a net with sklimb's own callbacks from
    # capturing its steps (checked here on the CPU, where that is the reason).
    X, y = digits
    clf = CostSensitiveNetClassifier(**{**FAST, "max_epochs": 1}, **params)
    clf.fit(X, y)
    assert capture_blockers(clf) == ["the device is 'cpu', not CUDA"]


def test_subclass_of_a_safe_callback_must_say_it_is_graph_safe(digits):
    from skorch.callbacks import EarlyStopping

    class Custom(EarlyStopping):
        def on_epoch_begin(self, net, **kwargs):
            pass

    class Declared(Custom):
        graph_safe = True

    X, y = digits
    for cls, blocked in ((Custom, True), (Declared, False)):
        clf = CostSensitiveNetClassifier(
            callbacks=[("custom", cls(monitor="train_loss"))],
            **{**FAST, "max_epochs": 1},
        ).fit(X, y)
        reasons = capture_blockers(clf)
        assert any("'custom'" in r for r in reasons) is blocked


@pytest.mark.parametrize(
    "name, value", [("cuda_graph", "yes"), ("cuda_graph", 1.5), ("precision", "fp16")]
)
def test_capture_and_precision_are_validated(digits, name, value):
    X, y = digits
    with pytest.raises(ValueError, match=name):
        CostSensitiveNetClassifier(**{name: value}, **FAST).fit(X, y)


def test_bfloat16_on_the_cpu(digits):
    X, y = digits
    clf = CostSensitiveNetClassifier(precision="bfloat16", **FAST).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-6)
    assert clf.score(X, y) > 0.8
    ref = CostSensitiveNetClassifier(**FAST).fit(X, y)
    assert abs(clf.score(X, y) - ref.score(X, y)) < 0.05


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a CPU-only machine")
def test_net_saved_with_device_cuda_loads_on_a_cpu_only_machine(digits):
    X, y = digits
    clf = CostSensitiveNetClassifier(**FAST).fit(X, y)
    expected = clf.predict_proba(X)
    clf.device = "cuda"  # as if it had been trained on a GPU
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        again = pickle.loads(pickle.dumps(clf))
    assert any("cpu" in str(r.message) for r in record)
    assert str(again.device) == "cpu"
    np.testing.assert_allclose(again.predict_proba(X), expected, atol=1e-6)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a CPU-only machine")
def test_net_trained_with_cuda_graphs_trains_on_after_loading_on_the_cpu(digits):
    X, y = digits
    clf = CostSensitiveNetClassifier(**FAST).fit(X, y)
    # As after a fit on CUDA: the optimiser was made capturable.
    for group in clf.optimizer_.param_groups:
        group["capturable"] = True
    clf.device = "cuda"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = pickle.loads(pickle.dumps(clf))
    assert not any(g["capturable"] for g in again.optimizer_.param_groups)
    again.partial_fit(X, y)
    assert again.score(X, y) > 0.8


def test_data_stays_where_the_net_runs_on_the_cpu():
    from sklimb._iterator import DeviceDataset, storage_device, to_storage

    assert storage_device(10**15, "cpu") == torch.device("cpu")
    X = to_storage(np.ones((4, 2)), torch.float32, torch.device("cpu"), "cpu")
    assert not X.is_pinned()
    ds = DeviceDataset(X, torch.arange(4))
    assert not ds.streamed
    # "cpu:0" (like "cuda" vs "cuda:0") names the device the data are on.
    assert not DeviceDataset(X, torch.arange(4), device="cpu:0").streamed
    xb, yb = ds[torch.tensor([2, 0])]
    assert xb.shape == (2, 2) and yb.tolist() == [2, 0]


# ---------------------------------------------------------------------------
# The lean eager step and the epoch callbacks
# ---------------------------------------------------------------------------
class _SkorchStep(CostSensitiveNetClassifier):
    """Trains with skorch's own train_step (optimizer closure, step
    accumulator)."""

    def train_step(self, batch, **fit_params):
        return NeuralNet.train_step(self, batch, **fit_params)


class _OwnStepSingle(CostSensitiveNetClassifier):
    """Overrides train_step_single (calling skorch's): the lean step is off."""

    def train_step_single(self, batch, **fit_params):
        return super().train_step_single(batch, **fit_params)


class _GradHook(Callback):
    def initialize(self):
        self.calls_ = 0
        return self

    def on_grad_computed(self, net, named_parameters, **kwargs):
        self.calls_ += 1


class _KeepInput(torch.autograd.Function):
    """Identity whose graph node keeps a copy of its input on ``ctx``."""

    kept = []

    @staticmethod
    def forward(ctx, x):
        ctx.copy = x.clone()
        _KeepInput.kept.append(weakref.ref(ctx.copy))
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad


class _CountsLiveGraphs(torch.nn.Module):
    def __init__(self, n_features, n_classes):
        super().__init__()
        self.linear = torch.nn.Linear(n_features, n_classes)
        self.most_alive = 0

    def forward(self, x):
        alive = sum(ref() is not None for ref in _KeepInput.kept)
        self.most_alive = max(self.most_alive, alive)
        return _KeepInput.apply(self.linear(x))


def test_lean_step_trains_exactly_as_skorchs_step(digits):
    X, y = digits
    lean = CostSensitiveNetClassifier(**FAST).fit(X, y)
    skorch_step = _SkorchStep(**FAST).fit(X, y)
    assert lean_step_allowed(lean)
    assert not lean_step_allowed(_OwnStepSingle(**FAST).fit(X, y))
    np.testing.assert_allclose(
        lean.history[:, "batches", :, "train_loss"],
        skorch_step.history[:, "batches", :, "train_loss"],
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        lean.predict_proba(X), skorch_step.predict_proba(X), atol=1e-6
    )


@pytest.mark.parametrize(
    "params",
    [
        {"callbacks": [("grad_hook", _GradHook())]},
        {"optimizer": torch.optim.LBFGS, "batch_size": -1, "max_epochs": 2},
    ],
    ids=["on_grad_computed", "lbfgs"],
)
def test_lean_step_is_off_when_skorchs_step_is_needed(digits, params):
    X, y = digits
    clf = CostSensitiveNetClassifier(**{**FAST, **params}).fit(X, y)
    assert not lean_step_allowed(clf)
    assert np.isfinite(clf.history[:, "train_loss"]).all()
    hooks = [cb for name, cb in clf.callbacks_ if name == "grad_hook"]
    if hooks:  # called once per training batch
        assert hooks[0].calls_ == sum(clf.history[:, "train_batch_count"])


def test_each_batch_graph_is_freed_with_its_batch(digits):
    X, y = digits
    _KeepInput.kept.clear()
    clf = CostSensitiveNetClassifier(module=_CountsLiveGraphs, **FAST).fit(X, y)
    assert len(_KeepInput.kept) == sum(clf.history[:, "train_batch_count"])
    # At most the previous batch's graph is alive when a batch starts.
    assert clf.module_.most_alive <= 1


def test_epoch_loss_of_opposite_infinities_is_nan_for_the_guard():
    net = SimpleNamespace(history=History())
    net.history.new_epoch()
    for value in (float("inf"), -float("inf")):
        net.history.new_batch()
        net.history.record_batch("train_loss", value)
        net.history.record_batch("train_batch_size", 8)
    EpochLoss(name="train_loss", on_train=True).initialize().on_epoch_end(net)
    assert math.isnan(net.history[-1, "train_loss"])
    with pytest.raises(FloatingPointError, match="training loss became inf"):
        FiniteLossGuard().on_epoch_end(net)


def test_epoch_loss_records_what_skorchs_passthrough_scoring_records(digits):
    X, y = digits
    clf = CostSensitiveNetClassifier(early_stopping=True, **FAST).fit(X, y)
    for name, on_train in (("train_loss", True), ("valid_loss", False)):
        reference = PassthroughScoring(name=name, on_train=on_train).initialize()
        best = []
        for epoch in range(len(clf.history)):
            score = reference.get_avg_score(History(clf.history[: epoch + 1]))
            best.append(bool(reference._is_best_score(score)))
            reference.best_score_ = min(reference.best_score_, score)
            assert clf.history[epoch, name] == pytest.approx(score, rel=1e-12)
        assert clf.history[:, name + "_best"] == best


@pytest.mark.parametrize(
    "key, phase", [("train_loss", "training"), ("valid_loss", "validation")]
)
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_finite_loss_guard_names_the_phase_and_the_value(key, phase, bad):
    net = SimpleNamespace(history=History())
    net.history.new_epoch()
    for value in (0.5, bad, 0.25):
        net.history.new_batch()
        net.history.record_batch(key, value)
    with pytest.raises(FloatingPointError, match=f"The {phase} loss became {bad}"):
        FiniteLossGuard().on_epoch_end(net)
