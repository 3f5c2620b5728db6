"""BatchedGridSearchCV / BatchedRandomizedSearchCV against scikit-learn's."""

import warnings

import numpy as np
import pytest
import sklearn
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from scipy.stats import uniform
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

import sklimb.model_selection
from sklimb import BilinearNetClassifier, CostSensitiveNetClassifier
from sklimb.metrics import make_masked_zone_scorer
from sklimb.model_selection import (
    BatchedFallbackWarning,
    BatchedGridSearchCV,
    BatchedRandomizedSearchCV,
)
from sklimb.penalty import random_mask

NET = {"max_epochs": 3, "batch_size": 64, "device": "cpu", "hidden_layer_sizes": (16,)}
MASKS = [random_mask(10, 20, random_state=s) for s in range(2)]


@pytest.fixture(scope="module")
def data(digits):
    X, y = digits
    return X[:240], y[:240]


def _compare(batched, reference, n_test):
    a, b = batched.cv_results_, reference.cv_results_
    assert a.keys() == b.keys()
    for key in a:
        if key.endswith("_time") or key.startswith(("std_fit", "std_score")):
            continue
        if key.startswith(("split", "mean_", "std_")):
            # Weights equal up to float rounding: a prediction may flip.
            np.testing.assert_allclose(a[key], b[key], atol=1.5 / n_test, err_msg=key)
        elif key == "params":
            assert len(a[key]) == len(b[key])
            for pa, pb in zip(a[key], b[key], strict=True):
                assert pa.keys() == pb.keys()
        elif not key.startswith("rank_"):
            assert list(a[key]) == list(b[key]) or key.startswith("param_"), key
    assert batched.best_params_.keys() == reference.best_params_.keys()
    assert batched.n_splits_ == reference.n_splits_
    assert batched.multimetric_ == reference.multimetric_


class _Silent:
    """Fail on a BatchedFallbackWarning."""

    def __enter__(self):
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("error", BatchedFallbackWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def test_grid_matches_gridsearchcv_multimetric(data, capsys):
    X, y = data
    net = BilinearNetClassifier(random_state=0, **NET)
    grid = {"alpha": [0.0, 0.5, 0.9], "penalty_matrix": MASKS}
    scoring = {"acc": "accuracy", "zone": make_masked_zone_scorer(MASKS[0])}
    kw = {"cv": 3, "scoring": scoring, "refit": "acc", "return_train_score": True}
    reference = GridSearchCV(net, grid, **kw).fit(X, y)
    with _Silent():
        batched = BatchedGridSearchCV(net, grid, verbose=1, **kw).fit(X, y)
    _compare(batched, reference, n_test=80)
    # Nine candidates on three folds trained as one batched fit.
    assert "in 1 tasks (1 batched)" in capsys.readouterr().out
    assert isinstance(batched, GridSearchCV)
    assert batched.best_estimator_.score(X, y) == pytest.approx(
        reference.best_estimator_.score(X, y), abs=0.02
    )
    assert batched.predict(X[:5]).shape == (5,)


@pytest.mark.parametrize("imblearn", [True, False])
def test_pipelines_share_the_steps_before_the_net(data, imblearn):
    X, y = data
    net = BilinearNetClassifier(random_state=1, **NET)
    if imblearn:
        pipe = make_imb_pipeline(
            StandardScaler(), RandomOverSampler(random_state=0), net
        )
    else:
        pipe = make_pipeline(StandardScaler(), net)
    grid = {
        "standardscaler__with_mean": [True, False],
        "bilinearnetclassifier__alpha": [0.0, 0.9],
        "bilinearnetclassifier__lr": [1e-3, 1e-2],
    }
    reference = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    with _Silent():
        batched = BatchedGridSearchCV(pipe, grid, cv=2).fit(X, y)
    _compare(batched, reference, n_test=120)
    assert type(batched.best_estimator_) is type(pipe)


def test_fallback_candidates_run_as_gridsearchcv(data):
    X, y = data
    net = CostSensitiveNetClassifier(random_state=0, **NET)
    grid = {"early_stopping": [False, True], "loss": ["bilinear", "cross_entropy"]}
    reference = GridSearchCV(net, grid, cv=2).fit(X, y)
    with pytest.warns(BatchedFallbackWarning, match="2 of 4 .*early_stopping"):
        batched = BatchedGridSearchCV(net, grid, cv=2).fit(X, y)
    _compare(batched, reference, n_test=120)


def test_failed_fits_get_error_score(data):
    X, y = data
    net = BilinearNetClassifier(random_state=0, **NET)
    grid = {"alpha": [0.5, 2.0, 0.9]}
    with pytest.warns(FitFailedWarning):
        reference = GridSearchCV(net, grid, cv=2, error_score=-1.0).fit(X, y)
    with pytest.warns(FitFailedWarning, match="alpha"):
        batched = BatchedGridSearchCV(net, grid, cv=2, error_score=-1.0).fit(X, y)
    _compare(batched, reference, n_test=120)
    assert batched.cv_results_["mean_test_score"][1] == -1.0
    with pytest.raises(ValueError, match="alpha"):
        BatchedGridSearchCV(net, grid, cv=2, error_score="raise").fit(X, y)


def test_sample_weight_metadata_routing(data):
    X, y = data
    sw = np.random.RandomState(0).randint(1, 3, len(y)).astype(float)
    grid = {"alpha": [0.0, 0.9]}
    with sklearn.config_context(enable_metadata_routing=True):
        net = BilinearNetClassifier(random_state=0, **NET)
        net.set_fit_request(sample_weight=True).set_score_request(sample_weight=True)
        reference = GridSearchCV(net, grid, cv=2).fit(X, y, sample_weight=sw)
        with _Silent():
            batched = BatchedGridSearchCV(net, grid, cv=2).fit(X, y, sample_weight=sw)
    _compare(batched, reference, n_test=120)


def test_n_jobs_workers_get_the_scikit_learn_config(data):
    # Metadata routing must reach the worker processes, as in GridSearchCV.
    X, y = data
    sw = np.random.RandomState(0).randint(1, 3, len(y)).astype(float)
    grid = {"costsensitivenetclassifier__lr": [1e-3, 1e-2]}
    results = []
    with sklearn.config_context(enable_metadata_routing=True):
        for n_jobs in (1, 2):
            net = CostSensitiveNetClassifier(random_state=0, **NET)
            net.set_fit_request(sample_weight=True).set_score_request(
                sample_weight=True
            )
            scaler = StandardScaler().set_fit_request(sample_weight=False)
            pipe = make_pipeline(scaler, net)
            search = BatchedGridSearchCV(pipe, grid, cv=2, n_jobs=n_jobs)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", BatchedFallbackWarning)
                search.fit(X, y, sample_weight=sw)
            results.append(search.cv_results_["mean_test_score"])
    np.testing.assert_allclose(results[1], results[0], atol=1.5 / 120)


@pytest.mark.parametrize(
    "kwargs",
    [{"error_score": "bogus"}, {"return_train_score": "yes"}, {"n_jobs": "2"}],
)
@pytest.mark.parametrize("search", [BatchedGridSearchCV, BatchedRandomizedSearchCV])
def test_invalid_parameters_raise_before_training(data, search, kwargs, monkeypatch):
    X, y = data
    net = BilinearNetClassifier(random_state=0, **NET)
    reference = {BatchedGridSearchCV: GridSearchCV}.get(search, RandomizedSearchCV)
    with pytest.raises(InvalidParameterError) as expected:
        reference(net, {"alpha": [0.0, 0.5]}, **kwargs).fit(X, y)

    def no_training(*args, **kw):
        raise AssertionError("trained with invalid parameters")

    monkeypatch.setattr(BilinearNetClassifier, "fit", no_training)
    monkeypatch.setattr(sklimb.model_selection, "_fit_and_score_group", no_training)
    with pytest.raises(InvalidParameterError) as raised:
        search(net, {"alpha": [0.0, 0.5]}, **kwargs).fit(X, y)
    assert str(raised.value) == str(expected.value).replace(
        reference.__name__, search.__name__
    )


def test_randomized_search_and_n_jobs(data):
    X, y = data
    net = BilinearNetClassifier(random_state=0, **NET)
    dist = {"alpha": uniform(0, 1), "lr": [1e-3, 3e-3]}
    kw = {"n_iter": 4, "cv": 2, "random_state": 0}
    reference = RandomizedSearchCV(net, dist, **kw).fit(X, y)
    with _Silent():
        batched = BatchedRandomizedSearchCV(net, dist, n_jobs=2, **kw).fit(X, y)
    _compare(batched, reference, n_test=120)
    assert batched.cv_results_["params"] == reference.cv_results_["params"]


def test_same_parameters_as_scikit_learn():
    net = BilinearNetClassifier()
    ours = BatchedGridSearchCV(net, {"alpha": [0.1]}).get_params(deep=False)
    theirs = GridSearchCV(net, {"alpha": [0.1]}).get_params(deep=False)
    assert ours.keys() == theirs.keys()
    assert set(sklimb.model_selection.__all__) >= {
        "BatchedGridSearchCV",
        "BatchedRandomizedSearchCV",
    }
