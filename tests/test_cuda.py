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
        penalty_matrix=A, alpha=0.9, device="cuda", max_epochs=20, random_state=0
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


# ---------------------------------------------------------------------------
# training steps captured as CUDA graphs (sklimb._capture)
# ---------------------------------------------------------------------------
def _fit_pair(X, y, **params):
    """The same fit with captured and with eager steps."""
    base = {"device": "cuda", "max_epochs": 3, "random_state": 0, **params}
    captured = CostSensitiveNetClassifier(cuda_graph=True, **base).fit(X, y)
    eager = CostSensitiveNetClassifier(cuda_graph=False, **base).fit(X, y)
    return captured, eager


@pytest.mark.parametrize(
    "params",
    [
        {"loss": "cross_entropy"},
        {"loss": "bilinear", "alpha": 0.9},
        {"loss": "log_bilinear", "alpha": 0.5, "optimizer": torch.optim.SGD},
        {"loss": "focal", "class_weight": "balanced"},
        {"loss": "cross_entropy", "batch_size": -1, "max_epochs": 6},
        {"loss": "cross_entropy", "sampler": "balanced"},
    ],
    ids=["ce", "bilinear", "log-bilinear-sgd", "focal-weighted", "full-batch", "bal"],
)
def test_captured_steps_equal_eager_steps(digits, params):
    X, y = digits
    if "bilinear" in params["loss"]:
        params = {**params, "penalty_matrix": random_mask(10, 30, random_state=0)}
    captured, eager = _fit_pair(X, y, **params)
    # 1797 rows in batches of 128: a full-size graph and a ragged-batch graph.
    assert captured.cuda_graph_ == (1 if params.get("batch_size") == -1 else 2)
    assert eager.cuda_graph_ == 0
    np.testing.assert_allclose(
        captured.history[:, "train_loss"], eager.history[:, "train_loss"], rtol=1e-4
    )
    np.testing.assert_allclose(
        captured.predict_proba(X), eager.predict_proba(X), atol=1e-4
    )


def test_captured_steps_with_sample_weight_and_cost(digits):
    X, y = digits
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 2.0, len(y))
    A = random_mask(10, 20, random_state=1)
    cost = A[y] * rng.uniform(0.5, 1.5, (len(y), 1))
    fits = [
        BilinearNetClassifier(
            penalty_matrix=A, device="cuda", max_epochs=2, random_state=0, cuda_graph=g
        ).fit(X, y, sample_weight=w, sample_cost=cost)
        for g in (True, False)
    ]
    assert fits[0].cuda_graph_ == 2
    np.testing.assert_allclose(
        fits[0].predict_proba(X), fits[1].predict_proba(X), atol=1e-4
    )


def test_captured_cnn_with_dropout_is_reproducible_and_learns(digits, monkeypatch):
    # cuDNN picks convolution algorithms by the free workspace, which other
    # processes on the GPU change; deterministic ones make runs comparable.
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", True)
    X, y = digits
    params = dict(
        module=MNISTConvNet,
        input_shape=(1, 8, 8),
        device="cuda",
        max_epochs=8,
        random_state=3,
    )
    runs = [CostSensitiveNetClassifier(**params).fit(X, y) for _ in range(2)]
    assert runs[0].cuda_graph_ == 2
    np.testing.assert_allclose(
        runs[0].predict_proba(X), runs[1].predict_proba(X), atol=1e-3
    )
    eager = CostSensitiveNetClassifier(cuda_graph=False, **params).fit(X, y)
    # Dropout draws other numbers in a graph: equal only statistically.
    assert abs(runs[0].score(X, y) - eager.score(X, y)) < 0.05
    assert runs[0].score(X, y) > 0.9


def test_capture_with_early_stopping(digits):
    X, y = digits
    clf = CostSensitiveNetClassifier(
        device="cuda", max_epochs=30, early_stopping=True, random_state=0
    ).fit(X, y)
    assert clf.cuda_graph_ >= 1
    assert clf.score(X, y) > 0.9


def test_uncapturable_loss_falls_back_with_one_warning(digits):
    X, y = digits

    def syncing_loss(logits, target):
        loss = torch.nn.functional.cross_entropy(logits, target)
        if loss.item() < 0:  # a host synchronisation: not capturable
            raise AssertionError
        return loss

    with pytest.warns(RuntimeWarning, match="could not be captured") as record:
        clf = CostSensitiveNetClassifier(
            loss=syncing_loss, device="cuda", max_epochs=5, random_state=0
        ).fit(X, y)
    assert len([r for r in record if "could not be captured" in str(r.message)]) == 1
    assert clf.cuda_graph_ == 0
    assert clf.score(X, y) > 0.8
    with pytest.raises(RuntimeError, match="cuda_graph=True"):
        CostSensitiveNetClassifier(
            loss=syncing_loss, device="cuda", max_epochs=1, cuda_graph=True
        ).fit(X, y)


def test_cuda_graph_true_refuses_what_cannot_be_captured(digits):
    X, y = digits
    with pytest.raises(ValueError, match="optimizer LBFGS is not capturable"):
        CostSensitiveNetClassifier(
            device="cuda", optimizer=torch.optim.LBFGS, cuda_graph=True, max_epochs=1
        ).fit(X, y)
    from skorch.callbacks import LRScheduler

    with pytest.raises(ValueError, match="callback 'lr'"):
        CostSensitiveNetClassifier(
            device="cuda",
            callbacks=[("lr", LRScheduler())],
            cuda_graph=True,
            max_epochs=1,
        ).fit(X, y)
    # "auto" trains such nets with eager steps.
    clf = CostSensitiveNetClassifier(
        device="cuda", callbacks=[("lr", LRScheduler())], max_epochs=1
    ).fit(X, y)
    assert clf.cuda_graph_ == 0


def test_nan_loss_stops_a_captured_fit(digits):
    X, y = digits

    def nan_loss(logits, target):
        return torch.nn.functional.cross_entropy(logits, target) * float("nan")

    with pytest.raises(FloatingPointError, match="training loss became nan"):
        CostSensitiveNetClassifier(
            loss=nan_loss, device="cuda", max_epochs=3, cuda_graph=True
        ).fit(X, y)


def test_bfloat16_autocast(digits):
    X, y = digits
    if not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bfloat16")
    clf = CostSensitiveNetClassifier(
        device="cuda", precision="bfloat16", max_epochs=10, random_state=0
    ).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-6)
    ref = CostSensitiveNetClassifier(device="cuda", max_epochs=10, random_state=0).fit(
        X, y
    )
    assert clf.score(X, y) > 0.9
    assert abs(clf.score(X, y) - ref.score(X, y)) < 0.03


def test_cuda_model_loads_on_a_cpu_only_machine(digits, monkeypatch):
    X, y = digits
    clf = CostSensitiveNetClassifier(device="cuda", max_epochs=2, random_state=0).fit(
        X, y
    )
    expected = clf.predict_proba(X)
    blob = pickle.dumps(clf)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(Warning, match="cpu"):
        again = pickle.loads(blob)
    assert not next(again.module_.parameters()).is_cuda
    np.testing.assert_allclose(again.predict_proba(X), expected, atol=1e-5)


def test_data_too_large_for_the_gpu_streams_from_pinned_memory(digits, monkeypatch):
    import sklimb._iterator as iterator

    X, y = digits
    params = {"device": "cuda", "max_epochs": 3, "random_state": 0}
    expected = CostSensitiveNetClassifier(**params).fit(X, y).predict_proba(X)
    datasets = []
    init = iterator.DeviceDataset.__init__

    def spy(self, *args, **kwargs):
        init(self, *args, **kwargs)
        datasets.append(self)

    monkeypatch.setattr(iterator.DeviceDataset, "__init__", spy)
    monkeypatch.setattr(iterator, "DEVICE_MEMORY_SHARE", 0.0)  # nothing fits
    clf = CostSensitiveNetClassifier(**params).fit(X, y)
    proba = clf.predict_proba(X)
    assert datasets and all(ds.streamed for ds in datasets)
    assert all(ds.X.device.type == "cpu" and ds.X.is_pinned() for ds in datasets)
    assert next(clf.module_.parameters()).is_cuda
    np.testing.assert_allclose(proba, expected, atol=1e-4)


# ---------------------------------------------------------------------------
# batched training (sklimb._batched) on CUDA: the group's step captured
# ---------------------------------------------------------------------------
def _batched_nets(cuda_graph, **kw):
    A = random_mask(10, 30, random_state=0)
    return [
        BilinearNetClassifier(
            penalty_matrix=A,
            alpha=alpha,
            device="cuda",
            max_epochs=3,
            random_state=seed,
            cuda_graph=cuda_graph,
            **kw,
        )
        for alpha, seed in ((0.0, 0), (0.5, 1), (0.9, 2), (0.99, 3))
    ]


@pytest.mark.parametrize("optimizer", [torch.optim.Adam, torch.optim.SGD])
def test_batched_group_captured_equals_eager_and_sequential(digits, optimizer):
    from sklimb._batched import fit_batched

    X, y = digits
    captured = _batched_nets("auto", optimizer=optimizer)
    eager = _batched_nets(False, optimizer=optimizer)
    assert fit_batched(captured, X, y) == [None] * 4
    assert fit_batched(eager, X, y) == [None] * 4
    sequential = [net.fit(X, y) for net in _batched_nets(False, optimizer=optimizer)]
    for c, e, s in zip(captured, eager, sequential, strict=True):
        assert c.cuda_graph_ == 2 and e.cuda_graph_ == 0
        np.testing.assert_allclose(c.predict_proba(X), e.predict_proba(X), atol=1e-4)
        np.testing.assert_allclose(c.predict_proba(X), s.predict_proba(X), atol=1e-4)
        np.testing.assert_allclose(
            c.history[:, "train_loss"], s.history[:, "train_loss"], rtol=1e-4
        )


def test_batched_cnn_with_dropout_on_cuda_learns(digits):
    from sklimb._batched import fit_batched

    X, y = digits
    nets = [
        CostSensitiveNetClassifier(
            module=MNISTConvNet,
            input_shape=(1, 8, 8),
            device="cuda",
            max_epochs=8,
            random_state=seed,
        )
        for seed in range(4)
    ]
    assert fit_batched(nets, X, y) == [None] * 4
    scores = [net.score(X, y) for net in nets]
    assert all(net.cuda_graph_ == 2 for net in nets)
    assert min(scores) > 0.9
    # Warm start after a batched fit: the optimiser state written back works.
    nets[0].set_params(warm_start=True, max_epochs=1).fit(X, y)


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_batched_streams_step_captured_equals_vmap(digits, monkeypatch, precision):
    # GROUP_STEP = "streams": each CNN's pass and backward on its own CUDA
    # stream, all in one captured graph; the same networks as the vmap step.
    import sklimb._batched as batched

    X, y = digits

    def nets():
        return [
            CostSensitiveNetClassifier(
                module=MNISTConvNet,
                module__dropout=0.0,
                input_shape=(1, 8, 8),
                device="cuda",
                max_epochs=3,
                precision=precision,
                random_state=seed,
            )
            for seed in range(4)
        ]

    results = {}
    for step in ("vmap", "streams"):
        monkeypatch.setattr(batched, "GROUP_STEP", step)
        fitted = nets()
        assert batched.fit_batched(fitted, X, y) == [None] * 4
        assert all(net.cuda_graph_ == 2 for net in fitted)
        results[step] = fitted
    # Grouped and single-net cuDNN kernels round differently; a race between
    # streams would be far larger.
    atol = 5e-3 if precision == "float32" else 5e-2
    for v, s in zip(results["vmap"], results["streams"], strict=True):
        np.testing.assert_allclose(s.predict_proba(X), v.predict_proba(X), atol=atol)
        assert np.isfinite(s.history[:, "train_loss"]).all()


def test_fits_restore_the_cuda_generator_they_do_not_use(digits):
    # A seeded fit seeded every CUDA generator (torch.manual_seed) but restored
    # only its own device's: after a CPU fit the CUDA stream of random numbers
    # had been reseeded.
    X, y = digits[0][:200], digits[1][:200]
    torch.cuda.manual_seed(1234)
    before = torch.cuda.get_rng_state()
    CostSensitiveNetClassifier(max_epochs=1, device="cpu", random_state=0).fit(X, y)
    assert torch.equal(torch.cuda.get_rng_state(), before)
    CostSensitiveNetClassifier(max_epochs=1, device="cuda", random_state=0).fit(X, y)
    assert torch.equal(torch.cuda.get_rng_state(), before)


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA devices")
@pytest.mark.parametrize("group_step", ["vmap", "streams"])
def test_captured_on_a_device_that_is_not_the_current_one(
    digits, monkeypatch, group_step
):
    # The capture ran on the current device's stream: the work of a net on
    # another device was not recorded in the graph.
    import sklimb._batched as batched

    monkeypatch.setattr(batched, "GROUP_STEP", group_step)
    X, y = digits
    device = f"cuda:{torch.cuda.device_count() - 1}"
    assert torch.cuda.current_device() == 0
    captured, eager = _fit_pair(X, y, loss="bilinear", alpha=0.5, device=device)
    assert captured.cuda_graph_ == 2
    np.testing.assert_allclose(
        captured.predict_proba(X), eager.predict_proba(X), atol=1e-4
    )
    nets = [
        BilinearNetClassifier(alpha=a, device=device, max_epochs=3, random_state=0)
        for a in (0.0, 0.9)
    ]
    assert batched.fit_batched(nets, X, y) == [None, None]
    alone = BilinearNetClassifier(
        alpha=0.9, device=device, max_epochs=3, random_state=0, cuda_graph=False
    ).fit(X, y)
    assert nets[1].cuda_graph_ == 2
    np.testing.assert_allclose(
        nets[1].predict_proba(X), alone.predict_proba(X), atol=1e-4
    )
