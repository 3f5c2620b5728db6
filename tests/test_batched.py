"""Batched training (sklimb._batched): same results as fits alone."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone

import sklimb._batched as batched
import sklimb.losses as L
from sklimb import (
    BilinearNetClassifier,
    CostSensitiveNetClassifier,
    LogBilinearNetClassifier,
)
from sklimb._batched import BatchedFallbackWarning, fit_batched, group_estimators
from sklimb.modules import MLP, MNISTConvNet
from sklimb.penalty import random_mask


@pytest.fixture(scope="module")
def small(digits):
    X, y = digits
    return X[:300], y[:300]


@pytest.fixture(params=["vmap", "streams"])
def group_step(request, monkeypatch):
    """Run a test with each of the group steps (sklimb._batched.GROUP_STEP)."""
    monkeypatch.setattr(batched, "GROUP_STEP", request.param)
    return request.param


def _flat(net):
    return torch.cat([p.detach().reshape(-1) for p in net.module_.parameters()])


def _compare(seq, bat, X, atol=1e-4):
    for a, b in zip(seq, bat, strict=True):
        torch.testing.assert_close(_flat(b), _flat(a), atol=atol, rtol=1e-4)
        np.testing.assert_allclose(
            b.history[:, "train_loss"], a.history[:, "train_loss"], rtol=1e-4
        )
        assert b.history[:, "epoch"] == a.history[:, "epoch"]
        assert b.history[-1].keys() == a.history[-1].keys()
        np.testing.assert_allclose(
            b.predict_proba(X), a.predict_proba(X), atol=1e-4, rtol=1e-4
        )


def _fit_both(make, settings, X, y, **fit_kw):
    seq = [make(**s).fit(X, y, **fit_kw) for s in settings]
    bat = [make(**s) for s in settings]
    with warnings.catch_warnings():
        warnings.simplefilter("error", BatchedFallbackWarning)
        assert fit_batched(bat, X, y, **fit_kw) == [None] * len(settings)
    return seq, bat


COMMON = {"max_epochs": 3, "batch_size": 64, "device": "cpu"}


@pytest.mark.parametrize(
    "loss, extra",
    [
        ("cross_entropy", {}),
        ("weighted_cross_entropy", {}),
        ("bilinear", {}),
        ("log_bilinear", {"class_weight": "balanced"}),
        ("focal", {"gamma": 1.5}),
        ("margin", {}),
        ("class_balanced", {}),
        ("class_balanced_focal", {}),
        ("ldam", {}),
    ],
)
def test_same_result_as_sequential_fits(small, loss, extra, group_step):
    X, y = small

    def make(seed, alpha, lr):
        return CostSensitiveNetClassifier(
            loss=loss,
            penalty_matrix=random_mask(10, 20, random_state=seed),
            alpha=alpha,
            lr=lr,
            random_state=seed,
            hidden_layer_sizes=(16,),
            **extra,
            **COMMON,
        )

    settings = [
        {"seed": 0, "alpha": 0.0, "lr": 1e-3},
        {"seed": 1, "alpha": 0.5, "lr": 3e-3},
        {"seed": 2, "alpha": 0.9, "lr": 1e-2},
    ]
    seq, bat = _fit_both(make, settings, X, y)
    _compare(seq, bat, X)


@pytest.mark.parametrize(
    "optimizer, kwargs",
    [
        (torch.optim.SGD, {"optimizer__momentum": 0.9, "optimizer__nesterov": True}),
        (torch.optim.SGD, {"optimizer__weight_decay": 1e-3}),
        (torch.optim.Adam, {"optimizer__weight_decay": 1e-3}),
        (torch.optim.AdamW, {"optimizer__betas": (0.8, 0.99)}),
    ],
)
def test_optimizers(small, optimizer, kwargs, group_step):
    X, y = small

    def make(seed, lr):
        return BilinearNetClassifier(
            optimizer=optimizer, lr=lr, random_state=seed, **kwargs, **COMMON
        )

    seq, bat = _fit_both(make, [{"seed": 3, "lr": 0.01}, {"seed": 4, "lr": 0.05}], X, y)
    _compare(seq, bat, X)


def test_sample_weight_sample_cost_and_balanced_sampler(small, group_step):
    X, y = small
    rng = np.random.RandomState(0)
    sw = rng.randint(0, 3, len(y)).astype(float)
    sc = rng.rand(len(y), 10)

    def make(seed):
        return BilinearNetClassifier(sampler="balanced", random_state=seed, **COMMON)

    seq, bat = _fit_both(
        make, [{"seed": 0}, {"seed": 1}], X, y, sample_weight=sw, sample_cost=sc
    )
    _compare(seq, bat, X)


def test_cnn_with_input_shape(small, monkeypatch, group_step):
    X, y = small
    # Convolutional nets are batched on a GPU only, unless asked.
    with pytest.warns(BatchedFallbackWarning, match="convolutions on the CPU"):
        fit_batched(
            [LogBilinearNetClassifier(module=MNISTConvNet, input_shape=(1, 8, 8),
                                      max_epochs=1, device="cpu") for _ in range(2)],
            X, y,
        )  # fmt: skip
    monkeypatch.setattr(batched, "BATCH_CPU_CONVOLUTIONS", True)

    def make(seed):
        return LogBilinearNetClassifier(
            module=MNISTConvNet,
            module__dropout=0.0,
            input_shape=(1, 8, 8),
            random_state=seed,
            **{**COMMON, "max_epochs": 2},
        )

    seq, bat = _fit_both(make, [{"seed": 0}, {"seed": 1}], X, y)
    _compare(seq, bat, X)


def test_fitted_nets_behave_like_single_fits(small):
    X, y = small
    nets = [BilinearNetClassifier(alpha=a, random_state=0, **COMMON) for a in (0, 1)]
    fit_batched(nets, X, y)
    net = nets[1]
    assert net.score(X, y) > 0.3
    assert len(net.history_) == 3
    again = pickle.loads(pickle.dumps(net))
    np.testing.assert_allclose(again.predict_proba(X), net.predict_proba(X))
    assert clone(net).get_params()["alpha"] == 1
    # The optimiser state is written back: training on continues as it would
    # after a fit alone.
    alone = BilinearNetClassifier(alpha=1, random_state=0, **COMMON).fit(X, y)
    alone.partial_fit(X, y)
    net.partial_fit(X, y)
    torch.testing.assert_close(_flat(net), _flat(alone), atol=1e-4, rtol=1e-4)


def test_grouping():
    nets = [
        BilinearNetClassifier(alpha=0.1, random_state=0),
        BilinearNetClassifier(alpha=0.2, lr=0.1, penalty_matrix=np.eye(3)),
        BilinearNetClassifier(max_epochs=3),
        LogBilinearNetClassifier(),
        BilinearNetClassifier(early_stopping=True),
        BilinearNetClassifier(loss=lambda z, t: z.sum()),
        BilinearNetClassifier(optimizer=torch.optim.LBFGS),
    ]
    groups, single = group_estimators(nets)
    assert groups == [[0, 1], [2], [3]]
    assert single == {
        4: "early_stopping=True",
        5: "a callable loss",
        6: "optimizer LBFGS",
    }


class _BatchNormNet(torch.nn.Module):
    def __init__(self, n_features, n_classes):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(n_features, 8),
            torch.nn.BatchNorm1d(8),
            torch.nn.Linear(8, n_classes),
        )

    def forward(self, X):
        return self.net(X)


class _ItemNet(MLP):
    """A module that calls .item() on a tensor, which vmap cannot run."""

    def forward(self, X):
        return super().forward(X) * (1.0 if X.sum().item() > -1e9 else 0.0)


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"early_stopping": True}, "early_stopping=True"),
        ({"optimizer": torch.optim.LBFGS, "batch_size": -1}, "optimizer LBFGS"),
        ({"module": _BatchNormNet}, "buffers"),
        ({"module": _ItemNet}, "vmap"),
    ],
)
def test_fallback_warns_once_and_equals_sequential(small, kwargs, reason):
    X, y = small
    params = {**COMMON, "max_epochs": 2, **kwargs}
    seq = [BilinearNetClassifier(random_state=s, **params).fit(X, y) for s in (0, 1)]
    bat = [BilinearNetClassifier(random_state=s, **params) for s in (0, 1)]
    with pytest.warns(BatchedFallbackWarning, match=reason) as record:
        fit_batched(bat, X, y)
    assert len([w for w in record if w.category is BatchedFallbackWarning]) == 1
    for a, b in zip(seq, bat, strict=True):
        torch.testing.assert_close(_flat(b), _flat(a))


def test_sparse_x_falls_back_with_its_reason(small):
    # The warning quoted a raw vmap error ("... must be Tensor, not SparseRows").
    import scipy.sparse as sp

    X, y = small
    nets = [BilinearNetClassifier(random_state=k, **COMMON) for k in range(2)]
    with pytest.warns(BatchedFallbackWarning, match=r"sparse X \(a batched step"):
        assert fit_batched(nets, sp.csr_matrix(X), y) == [None, None]
    alone = BilinearNetClassifier(random_state=1, **COMMON).fit(sp.csr_matrix(X), y)
    torch.testing.assert_close(_flat(nets[1]), _flat(alone))


def test_errors_are_per_network(small):
    X, y = small
    nets = [
        BilinearNetClassifier(random_state=0, **COMMON),
        BilinearNetClassifier(
            random_state=1, optimizer=torch.optim.SGD, lr=1e30, **COMMON
        ),
        BilinearNetClassifier(alpha=2.0, **COMMON),
        BilinearNetClassifier(random_state=2, **COMMON),
    ]
    errors = fit_batched(nets, X, y, raise_errors=False)
    assert errors[0] is None and errors[3] is None
    assert isinstance(errors[2], ValueError) and "alpha" in str(errors[2])
    assert isinstance(errors[1], FloatingPointError)
    assert "training loss became" in str(errors[1])
    assert nets[3].score(X, y) > 0.3
    with pytest.raises(ValueError, match="alpha"):
        fit_batched([clone(n) for n in nets[2:]], X, y)


class _Squeezy(torch.nn.Module):
    """Breaks on a one-row batch (a common bug of user modules)."""

    def __init__(self, n_features, n_classes):
        super().__init__()
        self.lin = torch.nn.Linear(n_features, n_classes)

    def forward(self, x):
        return self.lin(x).squeeze()


def test_an_error_in_the_group_step_is_each_nets_error(small, group_step):
    # An error raised by the group's training step escaped fit_batched, so
    # BatchedGridSearchCV stopped instead of scoring the candidates error_score.
    X, y = small[0][:129], small[1][:129]  # batches of 64: a last batch of one row

    def make(**kw):
        return BilinearNetClassifier(_Squeezy, random_state=0, **{**COMMON, **kw})

    with pytest.raises(RuntimeError) as alone:
        make(alpha=0.5).fit(X, y)
    nets = [make(alpha=0.0), make(alpha=0.5), make(alpha=0.5, batch_size=43)]
    errors = fit_batched(nets, X, y, raise_errors=False)
    assert type(errors[0]) is type(errors[1]) is type(alone.value)
    assert errors[2] is None and len(nets[2].history_) == 3
    assert not nets[0].initialized_ and not nets[1].initialized_
    with pytest.raises(type(alone.value)):
        fit_batched([make(alpha=0.0), make(alpha=0.5)], X, y)


def test_batched_search_scores_a_failing_group_error_score(small):
    from sklearn.model_selection import GridSearchCV

    from sklimb.model_selection import BatchedGridSearchCV

    X, y = small[0][:150], small[1][:150]  # 100 training rows per fold
    net = BilinearNetClassifier(_Squeezy, random_state=0, **COMMON)
    grid = {"alpha": [0.0, 0.5], "batch_size": [33, 50]}  # 33: a one-row batch
    kw = {"cv": 3, "error_score": np.nan}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = GridSearchCV(net, grid, **kw).fit(X, y).cv_results_
        got = BatchedGridSearchCV(net, grid, **kw).fit(X, y).cv_results_
    np.testing.assert_allclose(
        got["mean_test_score"], expected["mean_test_score"], atol=1e-6
    )
    assert np.isnan(got["mean_test_score"]).sum() == 2


def test_dropout_statistically_equal(digits):
    """With dropout the masks differ, so results agree only in distribution."""
    X, y = digits
    X_train, y_train, X_test, y_test = X[:1200], y[:1200], X[1200:], y[1200:]
    params = {
        "module__dropout": 0.3,
        "max_epochs": 8,
        "device": "cpu",
        "hidden_layer_sizes": (32,),
    }
    seeds = range(4)
    seq = [
        BilinearNetClassifier(random_state=s, **params).fit(X_train, y_train)
        for s in seeds
    ]
    bat = [BilinearNetClassifier(random_state=s, **params) for s in seeds]
    fit_batched(bat, X_train, y_train)
    acc_seq = [n.score(X_test, y_test) for n in seq]
    acc_bat = [n.score(X_test, y_test) for n in bat]
    assert abs(np.mean(acc_seq) - np.mean(acc_bat)) < 0.03
    # Same initial weights, so far from equal is a bug; but not bit-equal.
    assert not torch.allclose(_flat(seq[0]), _flat(bat[0]), atol=1e-6)


def test_same_fitted_attributes(small):
    X, y = small
    alone = BilinearNetClassifier(random_state=0, **COMMON).fit(X, y)
    nets = [BilinearNetClassifier(random_state=s, **COMMON) for s in (0, 1)]
    fit_batched(nets, X, y)

    def fitted(net):
        return sorted(k for k in vars(net) if k.endswith("_") and not k.startswith("_"))

    assert fitted(nets[0]) == fitted(alone)
    assert nets[0].n_iter_ == alone.n_iter_ == 3


def test_runner_batched_equals_one_at_a_time(tmp_path):
    from sklimb.experiments import SweepConfig, run_sweep

    config = SweepConfig(
        alphas=(0.0, 0.9), mask_sizes=(10, 30), reps=1, epochs=2, device="cpu"
    )
    one = run_sweep(config, tmp_path / "one", progress=False, plots=False, batch=False)
    bat = run_sweep(config, tmp_path / "bat", progress=False, plots=False)
    assert one.n_run == bat.n_run == 8 and not bat.failures

    def key(row):
        return row["loss"], row["mask_size"], row["alpha"]

    for a, b in zip(sorted(one.rows, key=key), sorted(bat.rows, key=key), strict=True):
        assert key(a) == key(b) and a["mask"] == b["mask"] and a["seed"] == b["seed"]
        assert abs(a["overall_error"] - b["overall_error"]) <= 2 / a["n_test"]
    again = run_sweep(config, tmp_path / "bat", progress=False, plots=False)
    assert again.n_run == 0 and again.n_skipped == 8


def test_cli_batched_interrupt_keeps_finished_groups(tmp_path, monkeypatch, capsys):
    from sklimb.experiments import cli

    real, calls = batched.fit_batched, []

    def fit(*args, **kwargs):
        if len(calls) == 1:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(batched, "fit_batched", fit)
    args = [
        "--alphas", "0,0.9", "--mask-sizes", "20", "--reps", "2", "--epochs", "2",
        "--losses", "bilinear", "--device", "cpu", "--no-progress", "--no-plots",
        "--out", str(tmp_path),
    ]  # fmt: skip
    assert cli.main(args) == 130
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert len(lines) == 2  # the first repetition's group, nothing of the second
    monkeypatch.setattr(batched, "fit_batched", real)
    assert cli.main(args) == 0
    assert "2 fits run, 2 already done" in capsys.readouterr().out


def _interrupt_at_step(monkeypatch, n):
    real, calls = torch.optim.Adam.step, []

    def step(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", step)


def test_interrupting_a_fit_alone_stops_fit_batched(small, monkeypatch):
    # A net fitted alone inside fit_batched caught Ctrl-C, kept its epochs so
    # far, and the next nets were fitted anyway.
    X, y = small
    nets = [
        BilinearNetClassifier(random_state=k, early_stopping="train_loss", **COMMON)
        for k in range(2)
    ]  # early stopping: fitted one at a time
    _interrupt_at_step(monkeypatch, 3)
    with pytest.warns(BatchedFallbackWarning), pytest.raises(KeyboardInterrupt):
        fit_batched(nets, X, y)
    assert nets[0].interrupted_
    assert not hasattr(nets[1], "interrupted_")  # never fitted


def test_cli_never_records_an_interrupted_fit_alone(tmp_path, monkeypatch):
    # A group of one is fitted alone; its caught interrupt was recorded as a
    # finished fit and the command exited 0.
    from sklimb.experiments import cli

    _interrupt_at_step(monkeypatch, 5)
    args = [
        "--alphas", "0.5", "--mask-sizes", "10", "--reps", "1", "--epochs", "3",
        "--losses", "bilinear", "--device", "cpu", "--no-progress", "--no-plots",
        "--out", str(tmp_path),
    ]  # fmt: skip
    assert cli.main(args) == 130
    results = tmp_path / "results.jsonl"
    assert not results.exists() or results.read_text() == ""


def test_capture_and_precision_options_are_batched_too(small, group_step):
    X, y = small
    for options in ({"cuda_graph": False}, {"precision": "bfloat16"}):
        settings = [dict(COMMON, random_state=k, **options) for k in range(2)]
        seq, bat = _fit_both(CostSensitiveNetClassifier, settings, X, y)
        atol = 1e-4 if "cuda_graph" in options else 2e-2
        for a, b in zip(seq, bat, strict=True):
            np.testing.assert_allclose(
                b.predict_proba(X), a.predict_proba(X), atol=atol
            )


def test_each_net_its_own_data(digits, monkeypatch, group_step):
    """Nets of different folds (same number of rows) train together."""
    X, y = digits
    folds = [(X[:200], y[:200]), (X[200:400], y[200:400]), (X[400:590], y[400:590])]
    data = [(Xf, yf, None, None) for Xf, yf in folds for _ in range(2)]

    def make(k):
        return BilinearNetClassifier(alpha=0.3 * (k % 2), random_state=k, **COMMON)

    seq = [make(k).fit(d[0], d[1]) for k, d in enumerate(data)]
    bat = [make(k) for k in range(len(data))]
    sizes, real = [], batched._train_group

    def train(group, *args):
        sizes.append(len(group.ests))
        return real(group, *args)

    monkeypatch.setattr(batched, "_train_group", train)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BatchedFallbackWarning)
        errors = batched.fit_batched_each(bat, data)
    assert errors == [None] * 6
    # The third fold has 190 rows: its two nets form a group of their own.
    assert sorted(sizes) == [2, 4]
    for a, b in zip(seq, bat, strict=True):
        torch.testing.assert_close(_flat(b), _flat(a), atol=1e-4, rtol=1e-4)
        assert b.n_features_in_ == 64 and len(b.history_) == 3


def test_full_training_statistically_equal(digits):
    """Over full training float rounding may let the paths drift apart; the
    accuracy they reach must not."""
    X, y = digits
    X_train, y_train, X_test, y_test = X[:1200], y[:1200], X[1200:], y[1200:]
    params = {"max_epochs": 40, "device": "cpu", "hidden_layer_sizes": (32,)}
    masks = [random_mask(10, 30, random_state=s) for s in range(4)]
    seq = [
        BilinearNetClassifier(alpha=0.9, penalty_matrix=m, random_state=s, **params)
        for s, m in enumerate(masks)
    ]
    bat = [clone(net) for net in seq]
    for net in seq:
        net.fit(X_train, y_train)
    fit_batched(bat, X_train, y_train)
    acc_seq = np.array([n.score(X_test, y_test) for n in seq])
    acc_bat = np.array([n.score(X_test, y_test) for n in bat])
    assert acc_seq.mean() > 0.7
    assert abs(acc_seq.mean() - acc_bat.mean()) < 0.02
    assert np.abs(acc_seq - acc_bat).max() < 0.05


def test_streams_step_runs_each_network_alone(small, monkeypatch):
    """GROUP_STEP = "streams": no vectorised pass; each net its own backward."""
    X, y = small
    monkeypatch.setattr(batched, "GROUP_STEP", "streams")
    calls, real = [], batched._Group._net_by_net

    def spy(self, *args):
        calls.append(len(self.ests))
        return real(self, *args)

    def refuse(*args, **kwargs):
        raise AssertionError("the vectorised pass ran")

    monkeypatch.setattr(batched._Group, "_net_by_net", spy)
    monkeypatch.setattr(batched, "vmap", lambda *a, **k: refuse)
    # Each net's alpha is a float, as in a single fit: the bilinear loss
    # takes its short path.
    short, real_short = [], L._unweighted_cost_loss

    def short_path(*args, **kwargs):
        short.append(type(args[3]))
        return real_short(*args, **kwargs)

    monkeypatch.setattr(L, "_unweighted_cost_loss", short_path)
    nets = [BilinearNetClassifier(alpha=a, random_state=0, **COMMON) for a in (0, 1)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", BatchedFallbackWarning)
        assert fit_batched(nets, X, y) == [None, None]
    # probe + 3 epochs of 5 batches, all of the group of 2
    assert calls == [2] * (1 + 3 * 5)
    assert short == [float] * (2 * (1 + 3 * 5))


def test_bad_group_step_is_an_error(small, monkeypatch):
    monkeypatch.setattr(batched, "GROUP_STEP", "threads")
    nets = [BilinearNetClassifier(random_state=k, **COMMON) for k in range(2)]
    with pytest.raises(ValueError, match="GROUP_STEP must be one of"):
        fit_batched(nets, *small)


def test_streams_step_on_the_cpu_leaves_cuda_alone(small, monkeypatch):
    # torch.cuda.stream(None) asks the accelerator for its current device: a
    # CPU fit initialised CUDA (or failed on a machine with MPS).
    monkeypatch.setattr(batched, "GROUP_STEP", "streams")

    def no_cuda(*args, **kwargs):
        raise AssertionError("a CPU group step touched torch.cuda")

    for name in ("stream", "current_stream", "Stream", "current_device"):
        monkeypatch.setattr(torch.cuda, name, no_cuda)
    nets = [BilinearNetClassifier(alpha=a, random_state=0, **COMMON) for a in (0, 1)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", BatchedFallbackWarning)
        assert fit_batched(nets, *small) == [None, None]


def test_weights_broken_by_the_last_step_fail_each_net(small, monkeypatch):
    # The finite-loss guard's check of the weights at the end of training is
    # each net's error in a batched fit too, not an exception escaping it.
    X, y = small
    real = batched._StackedAdam.step

    def step(self, param, grad):
        real(self, param, grad)
        param.fill_(float("nan"))

    monkeypatch.setattr(batched._StackedAdam, "step", step)
    nets = [
        BilinearNetClassifier(
            random_state=k, **{**COMMON, "batch_size": -1, "max_epochs": 1}
        )
        for k in range(2)
    ]
    errors = fit_batched(nets, X, y, raise_errors=False)
    assert all(isinstance(e, FloatingPointError) for e in errors)
    assert "weights became NaN" in str(errors[0])
    assert not any(net.__sklearn_is_fitted__() for net in nets)


def test_a_failed_fit_alone_is_not_taken_for_an_interrupt(small):
    # interrupted_ left by an earlier interrupted fit was read after a fit that
    # raised before setting it, and fit_batched stopped with KeyboardInterrupt.
    X, y = small
    net = BilinearNetClassifier(alpha=2.0, early_stopping="train_loss", **COMMON)
    net.interrupted_ = True  # from an earlier fit cut short
    with pytest.warns(BatchedFallbackWarning):
        errors = fit_batched([net], X, y, raise_errors=False)
    assert isinstance(errors[0], ValueError) and "alpha" in str(errors[0])
