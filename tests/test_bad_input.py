"""Bad inputs and faults, as a new user would try them.

Each case asserts the exception type and that its message names the
offending parameter or value; the command-line cases also check that the
files of a run in progress are left as they were.
"""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from skorch.dataset import ValidSplit

from sklimb import BilinearNetClassifier, CostSensitiveNetClassifier

FAST = dict(max_epochs=1, device="cpu", random_state=0, batch_size=32)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4)).astype(np.float32)
    y = np.arange(60) % 3
    return X, y


def _nan_loss(logits, target):
    return (logits * float("nan")).sum()


# --------------------------------------------------------------------------
# hyperparameters: scikit-learn's InvalidParameterError naming the parameter
# --------------------------------------------------------------------------
BAD_PARAMS = [
    ("loss", "hinge"),
    ("loss", 3),
    ("alpha", 1.5),
    ("alpha", -0.1),
    ("alpha", "0.5"),
    ("gamma", -1.0),
    ("beta", 1.0),
    ("beta", -0.5),
    ("margin", 0.4),
    ("margin", 1.0),
    ("max_margin", 0.0),
    ("scale", -1.0),
    ("decision", "vote"),
    ("sampler", "nope"),
    ("sampler", 3),
    ("class_weight", "bogus"),
    ("input_shape", 5),
    ("optimizer", "adam"),
    ("lr", -1e-3),
    ("max_epochs", 0),
    ("max_epochs", 2.5),
    ("batch_size", 0),
    ("batch_size", -2),
    ("early_stopping", "yes"),
    ("validation_fraction", 0.0),
    ("validation_fraction", 1.0),
    ("n_iter_no_change", 0),
    ("tol", -1.0),
    ("callbacks", "print"),
    ("warm_start", "yes"),
    ("device", 3),
    ("cuda_graph", "yes"),
    ("precision", "float16"),
    ("random_state", "seed"),
    ("verbose", -1),
    ("progress_bar", "yes"),
    ("compile", "yes"),
    ("use_caching", "sometimes"),
    ("torch_load_kwargs", 3),
    ("hidden_layer_sizes", -4),
]


@pytest.mark.parametrize("name, value", BAD_PARAMS)
def test_bad_hyperparameter_is_refused_naming_it(name, value, data):
    X, y = data
    clf = CostSensitiveNetClassifier(**{**FAST, name: value})
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        clf.fit(X, y)
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        CostSensitiveNetClassifier(**{**FAST, name: value}).partial_fit(X, y)


@pytest.mark.parametrize("name, value", BAD_PARAMS[:6])
def test_subclasses_share_the_constraints(name, value, data):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        BilinearNetClassifier(**{**FAST, name: value}).fit(*data)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes must hold positive"),
        ({"hidden_layer_sizes": (10, -1)}, "hidden_layer_sizes must hold positive"),
        ({"hidden_layer_sizes": "10"}, "'hidden_layer_sizes' parameter"),
        ({"input_shape": (0, 4)}, "input_shape must be a non-empty tuple"),
        ({"input_shape": (2, 3)}, "input_shape=\\(2, 3\\) holds 6 values"),
        ({"device": "foo"}, "device='foo' is not a torch device"),
        ({"loss": "class_balanced", "class_weight": "balanced"}, "class_weight"),
        ({"class_weight": {42: 2.0}}, "42"),
        ({"class_weight": [1.0, 2.0]}, "class_weight"),
        ({"loss": "bilinear", "penalty_matrix": np.ones((2, 2))}, "shape \\(3, 3\\)"),
        ({"loss": "bilinear", "penalty_matrix": -np.ones((3, 3))}, "negative"),
        ({"loss": "bilinear", "penalty_matrix": {(1, 42): 1.0}}, "42"),
        ({"criterion": torch.nn.NLLLoss}, "criterion=.* use the loss parameter"),
        ({"iterator_train__shuffle": False}, "iterator_train__shuffle .* batch_size"),
        ({"train_split": ValidSplit(5)}, "train_split=.* early_stopping=True"),
        ({"dataset": torch.utils.data.TensorDataset}, "dataset=.* arrays as X"),
        ({"predict_nonlinearity": "auto"}, "predict_nonlinearity=.* decision"),
        ({"loss": "focal", "criterion__reduction": "sum"}, "criterion__reduction"),
    ],
)
def test_bad_parameter_combination_names_the_parameter(params, match, data):
    with pytest.raises(ValueError, match=match):
        CostSensitiveNetClassifier(**{**FAST, **params}).fit(*data)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:0"])
def test_cuda_device_without_cuda_is_a_clear_error(device, data):
    with pytest.raises(ValueError, match=f"device='{device}' but CUDA is not"):
        CostSensitiveNetClassifier(**{**FAST, "device": device}).fit(*data)


def test_bad_device_after_fit_or_before_initialize(data):
    clf = CostSensitiveNetClassifier(**FAST).fit(*data)
    clf.set_params(device="foo")
    with pytest.raises(ValueError, match="device='foo' is not a torch device"):
        clf.predict(data[0])
    net = CostSensitiveNetClassifier(classes=[0, 1, 2], module__n_features=4)
    with pytest.raises(ValueError, match="device='gpu0' is not a torch device"):
        net.set_params(device="gpu0").initialize()


def test_unused_penalty_matrix_warns(data):
    clf = CostSensitiveNetClassifier(loss="focal", penalty_matrix=np.ones((3, 3)))
    with pytest.warns(UserWarning, match="penalty_matrix is not used by loss='focal'"):
        clf.set_params(**FAST).fit(*data)


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def _with(X, i, j, value, dtype=None):
    X = X.astype(dtype or X.dtype, copy=True)
    X[i, j] = value
    return X


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda X, y: (_with(X, 0, 0, np.nan), y), ValueError, "Input X contains NaN"),
        (lambda X, y: (_with(X, 0, 0, np.inf), y), ValueError, "X contains infinity"),
        (lambda X, y: (_with(X, 1, 2, 1e39, np.float64), y), ValueError, "float32"),
        (lambda X, y: (X[:, 0], y), ValueError, "Expected 2D array"),
        (lambda X, y: (X[:, :, None], y), ValueError, "dim 3"),
        (lambda X, y: (X[:0], y[:0]), ValueError, "0 sample"),
        (lambda X, y: (X[:, :0], y), ValueError, "0 feature"),
        (lambda X, y: (X.astype(str).astype(object) + "x", y), ValueError, "convert"),
        (lambda X, y: (X + 1j, y), ValueError, "Complex data not supported"),
        (lambda X, y: (X, np.zeros(len(y))), ValueError, "one class"),
        (lambda X, y: (X, np.linspace(0, 1, len(y))), ValueError, "Unknown label type"),
        (lambda X, y: (X, y[:-1]), ValueError, "inconsistent numbers of samples"),
        (lambda X, y: (X, np.where(y == 0, np.nan, y)), ValueError, "y contains NaN"),
    ],
)
def test_bad_training_data_is_refused(make, exc, match, data):
    X, y = make(*data)
    with pytest.raises(exc, match=match):
        CostSensitiveNetClassifier(**FAST).fit(X, y)


def test_bad_prediction_data_is_refused(data):
    X, y = data
    with pytest.raises(NotFittedError, match="not fitted yet"):
        CostSensitiveNetClassifier(**FAST).predict(X)
    clf = CostSensitiveNetClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="expecting 4 features"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict_proba(_with(X, 0, 0, np.nan))
    with pytest.raises(ValueError, match="float32"):
        clf.predict(_with(X, 0, 0, -1e40, np.float64))


def test_partial_fit_with_an_unknown_label(data):
    X, y = data
    clf = CostSensitiveNetClassifier(**FAST).partial_fit(X, y)
    with pytest.raises(ValueError, match="unknown to the classifier: \\[7\\]"):
        clf.partial_fit(X, np.where(y == 0, 7, y))
    # The refused call leaves the fitted net as it was.
    assert clf.predict(X).shape == (60,)


# --------------------------------------------------------------------------
# sample weights and costs
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "loss, kwargs, match",
    [
        ("cross_entropy", {"sample_weight": np.ones(5)}, "sample_weight has 5 values"),
        ("cross_entropy", {"sample_weight": -np.ones(60)}, "Negative values"),
        ("cross_entropy", {"sample_weight": np.full(60, np.nan)}, "NaN"),
        ("cross_entropy", {"sample_cost": np.ones((60, 3))}, "sample_cost is used by"),
        ("bilinear", {"sample_cost": np.ones((60, 2))}, "sample_cost must have shape"),
        ("bilinear", {"sample_cost": -np.ones((60, 3))}, "sample_cost must be finite"),
        ("bilinear", {"sample_cost": np.full((60, 3), np.inf)}, "sample_cost must be"),
    ],
)
def test_bad_weights_and_costs(loss, kwargs, match, data):
    with pytest.raises(ValueError, match=match):
        CostSensitiveNetClassifier(loss=loss, **FAST).fit(*data, **kwargs)


# --------------------------------------------------------------------------
# callables
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "loss, match",
    [
        (lambda logits: logits.sum(), "must be callable as loss\\(logits, target\\)"),
        (lambda logits, target: logits, "must return a scalar tensor.*shape"),
        (lambda logits, target: 1.0, "must return a scalar tensor.*float"),
    ],
)
def test_bad_loss_callable_names_loss(loss, match, data):
    with pytest.raises(TypeError, match="loss=.*" + match):
        CostSensitiveNetClassifier(loss=loss, **FAST).fit(*data)


def test_loss_callable_without_sample_weight(data):
    def ce(logits, target):
        return torch.nn.functional.cross_entropy(logits, target)

    with pytest.raises(TypeError, match="does not accept sample_weight"):
        CostSensitiveNetClassifier(loss=ce, **FAST).fit(
            *data, sample_weight=np.linspace(0.5, 1, 60)
        )


@pytest.mark.parametrize("loss", ["class_balanced", "class_balanced_focal", "ldam"])
def test_count_losses_name_themselves_for_a_class_without_samples(data, loss):
    # The message named class_weight='effective_number' or class_counts,
    # parameters the user never set.
    clf = CostSensitiveNetClassifier(loss=loss, classes=[0, 1, 2, 3], **FAST)
    with pytest.raises(ValueError, match=f"loss='{loss}'.*have none: \\[3\\]"):
        clf.fit(*data)


def test_class_weight_with_a_callable_loss_warns(data):
    def ce(logits, target):
        return torch.nn.functional.cross_entropy(logits, target)

    clf = CostSensitiveNetClassifier(loss="weighted_cross_entropy", **FAST).fit(*data)
    assert clf.class_weight_ is not None
    clf.set_params(loss=ce, class_weight="balanced")
    with pytest.warns(UserWarning, match="class_weight is not applied"):
        clf.fit(*data)
    assert clf.class_weight_ is None  # not the previous fit's weights


@pytest.mark.parametrize(
    "sampler, match",
    [
        (lambda counts: np.ones(2), "sampler must return one probability per class"),
        (lambda counts: -np.ones(3), "sampler gave invalid class probabilities"),
    ],
)
def test_bad_sampler_callable(sampler, match, data):
    with pytest.raises(ValueError, match=match):
        CostSensitiveNetClassifier(sampler=sampler, **FAST).fit(*data)


def test_nan_loss_is_a_clear_error_and_leaves_the_net_unfitted(data):
    clf = CostSensitiveNetClassifier(loss=_nan_loss, **FAST)
    with pytest.raises(FloatingPointError, match="training loss became nan"):
        clf.fit(*data)
    with pytest.raises(NotFittedError):
        clf.predict(data[0])


# --------------------------------------------------------------------------
# persistence
# --------------------------------------------------------------------------
def test_failed_fit_stays_picklable(data):
    clf = CostSensitiveNetClassifier(loss=_nan_loss, progress_bar=True, **FAST)
    with pytest.raises(FloatingPointError):
        clf.fit(*data)
    again = pickle.loads(pickle.dumps(clf))
    with pytest.raises(NotFittedError):
        again.predict(data[0])


def test_sparse_input_with_nan_is_refused(data):
    X, y = data
    X = sp.csr_matrix(X)
    X.data[0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        CostSensitiveNetClassifier(**FAST).fit(X, y)


# --------------------------------------------------------------------------
# command line: bad options, and the files of a run in progress
# --------------------------------------------------------------------------
CLI_ARGS = ["--alphas", "0", "--mask-sizes", "20", "--reps", "1", "--epochs", "1"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--alphas", "0", "2"], "alphas must be numbers in"),
        (["--alphas", "zero"], "'zero' is not a valid float"),
        (["--mask-sizes", "95"], "mask_sizes"),
        (["--reps", "0"], "reps"),
        (["--datasets", "cifar10"], "cifar10"),
        (["--losses", "hinge"], "hinge"),
        (["--model", "vgg"], "invalid choice: 'vgg'"),
        (["--epochs", "x"], "invalid int value: 'x'"),
    ],
)
def test_cli_bad_option_names_it(args, message, capsys):
    from sklimb.experiments import cli

    with pytest.raises(SystemExit) as exc:
        cli.main(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--device", "cuda:99"], "cuda:99"),
        (["--device", "foo"], "device 'foo' is not a torch device"),
        (["--epochs", "2"], "epochs=1 there but 2 now"),
        (["--alphas", "0.5"], "alphas=[0.0] there but [0.5] now"),
    ],
)
def test_cli_bad_resume_leaves_the_run_untouched(args, message, tmp_path, capsys):
    from sklimb.experiments import cli

    out = tmp_path / "run"
    base = [*CLI_ARGS, "--device", "cpu", "--no-progress", "--no-plots"]
    assert cli.main([*base, "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert cli.main([*base, *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
