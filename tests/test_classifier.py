import os
import pickle
import signal
import warnings

import numpy as np
import pytest
import torch
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn import config_context
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback
from skorch.dataset import ValidSplit

from sklimb import (
    BilinearNetClassifier,
    CostSensitiveNetClassifier,
    LogBilinearNetClassifier,
)
from sklimb._skorch_compat import skorch_param_names
from sklimb._validation import LOSSES
from sklimb.losses import BilinearLoss, CrossEntropyLoss, LDAMLoss
from sklimb.metrics import make_masked_zone_scorer, masked_zone_error
from sklimb.modules import MLP, MNISTConvNet
from sklimb.penalty import random_mask

FAST = dict(max_epochs=3, random_state=0, device="cpu")


@pytest.fixture(scope="module")
def small(request):
    X, y = request.getfixturevalue("digits")
    return X[:300], y[:300]


# --------------------------------------------------------------------------
# labels, dtypes, outputs
# --------------------------------------------------------------------------
@pytest.mark.parametrize("loss", LOSSES)
def test_every_loss_fits_and_predicts_string_labels(loss, digits_str, device):
    X, y = digits_str
    X, y = X[:300], y[:300]
    clf = CostSensitiveNetClassifier(loss=loss, **{**FAST, "device": device})
    clf.fit(X, y)
    assert list(clf.classes_) == sorted(set(y))
    pred = clf.predict(X)
    assert set(pred) <= set(y)
    proba = clf.predict_proba(X)
    assert proba.shape == (300, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert np.isfinite(clf.history[-1, "train_loss"])


def test_unsorted_int_labels_and_int_features():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 5, size=(120, 4))
    y = np.array([7, 3, 5])[rng.randint(0, 3, size=120)]
    clf = CostSensitiveNetClassifier(**FAST).fit(X, y)
    assert clf.n_features_in_ == 4
    np.testing.assert_array_equal(clf.classes_, [3, 5, 7])
    assert set(clf.predict(X)) <= {3, 5, 7}


def test_learns_digits(digits):
    X, y = digits
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0, stratify=y)
    clf = CostSensitiveNetClassifier(max_epochs=40, random_state=0).fit(Xtr, ytr)
    assert clf.score(Xte, yte) > 0.9


def test_default_module_is_sized_from_data(small):
    X, y = small
    clf = CostSensitiveNetClassifier(hidden_layer_sizes=(7, 5), **FAST).fit(X, y)
    assert isinstance(clf.module_, MLP)
    linears = [m for m in clf.module_.modules() if isinstance(m, torch.nn.Linear)]
    assert [lin.in_features for lin in linears] == [64, 7, 5]
    assert linears[-1].out_features == 10


def test_input_shape_feeds_a_cnn_with_flat_X(small):
    X, y = small
    clf = CostSensitiveNetClassifier(
        module=MNISTConvNet, input_shape=(1, 8, 8), max_epochs=2, random_state=0
    ).fit(X, y)
    assert clf.module_.input_shape == (1, 8, 8)
    assert clf.predict_proba(X[:5]).shape == (5, 10)
    with pytest.raises(ValueError, match="input_shape=\\(1, 9, 9\\) holds 81"):
        clone(clf).set_params(input_shape=(1, 9, 9)).fit(X, y)


def test_module_instance_and_module_params(small):
    X, y = small
    clf = CostSensitiveNetClassifier(
        module=MLP, module__hidden_layer_sizes=(11,), **FAST
    ).fit(X, y)
    assert clf.module_.net[1].out_features == 11
    assert clone(clf).get_params()["module__hidden_layer_sizes"] == (11,)
    inst = MLP(64, 10, hidden_layer_sizes=(4,))
    clf = CostSensitiveNetClassifier(module=inst, **FAST).fit(X, y)
    assert clf.module_.net[1].out_features == 4


# --------------------------------------------------------------------------
# parameters reach the loss
# --------------------------------------------------------------------------
def test_top_level_params_map_onto_the_criterion(small):
    X, y = small
    A = random_mask(10, 20, random_state=0)
    clf = BilinearNetClassifier(penalty_matrix=A, alpha=0.3, **FAST).fit(X, y)
    assert isinstance(clf.criterion_, BilinearLoss)
    assert clf.criterion_.alpha == 0.3
    np.testing.assert_array_equal(clf.criterion_.penalty_matrix.numpy(), A)
    # set_params on a top-level parameter takes effect at the next fit.
    clf2 = clone(clf).set_params(alpha=0.9, loss="cross_entropy")
    with pytest.warns(UserWarning, match="penalty_matrix is not used by loss="):
        clf2.fit(X, y)
    assert isinstance(clf2.criterion_, CrossEntropyLoss)
    clf.set_params(alpha=0.8).fit(X, y)
    assert clf.criterion_.alpha == 0.8


def test_class_weight_balanced_and_ldam_margins(small):
    X, y = small
    keep = (y != 3) | (np.arange(len(y)) % 5 == 0)
    X, y = X[keep], y[keep]
    clf = CostSensitiveNetClassifier(loss="weighted_cross_entropy", **FAST).fit(X, y)
    counts = np.bincount(y)
    np.testing.assert_allclose(clf.class_weight_, len(y) / (10 * counts))
    np.testing.assert_allclose(
        clf.criterion_.weight.numpy(), clf.class_weight_, rtol=1e-6
    )
    ldam = CostSensitiveNetClassifier(loss="ldam", max_margin=0.4, **FAST).fit(X, y)
    assert isinstance(ldam.criterion_, LDAMLoss)
    margins = ldam.criterion_.margins.numpy()
    assert margins.argmax() == 3 and np.isclose(margins.max(), 0.4)


def test_penalty_matrix_given_by_label_is_aligned(digits_str):
    X, y = digits_str
    clf = BilinearNetClassifier(penalty_matrix={("nine", "four"): 5.0}, **FAST)
    clf.fit(X[:200], y[:200])
    i, j = list(clf.classes_).index("nine"), list(clf.classes_).index("four")
    assert clf.penalty_matrix_[i, j] == 5.0
    assert clf.penalty_matrix_.sum() == 5.0


def test_default_penalty_matrix_is_uniform(small):
    X, y = small
    clf = LogBilinearNetClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(clf.penalty_matrix_, 1 - np.eye(10))


def test_min_risk_decision(small):
    X, y = small
    A = np.ones((10, 10)) - np.eye(10)
    A[:, 0] = 100.0  # predicting class 0 is very costly
    A[0, 0] = 0.0
    clf = CostSensitiveNetClassifier(penalty_matrix=A, decision="min_risk", **FAST)
    clf.fit(X, y)
    proba = clf.predict_proba(X)
    expected = clf.classes_[np.argmin(proba @ A, axis=1)]
    np.testing.assert_array_equal(clf.predict(X), expected)
    with pytest.warns(UserWarning, match="penalty_matrix is not used"):
        argmax = clone(clf).set_params(decision="argmax").fit(X, y).predict(X)
    assert (clf.predict(X) == 0).sum() < (argmax == 0).sum()


def test_decision_can_change_after_fit(small):
    # decision is read by predict, but a net fitted without a penalty matrix
    # had none: set_params(decision="min_risk") failed with a NumPy error.
    X, y = small
    clf = CostSensitiveNetClassifier(**FAST).fit(X, y)
    assert clf.penalty_matrix_ is None
    argmax = clf.predict(X)
    # Under the 0-1 cost the least expected cost is the most probable class.
    np.testing.assert_array_equal(
        clf.set_params(decision="min_risk").predict(X), argmax
    )
    A = np.ones((10, 10)) - np.eye(10)
    A[:, 0], A[0, 0] = 100.0, 0.0
    with pytest.warns(UserWarning, match="penalty_matrix is not used"):
        clf.set_params(decision="argmax", penalty_matrix=A).fit(X, y)
    proba = clf.predict_proba(X)
    min_risk = clf.set_params(decision="min_risk").predict(X)
    np.testing.assert_array_equal(min_risk, clf.classes_[np.argmin(proba @ A, 1)])


def test_partial_fit_classes_must_stay_the_same(small):
    # Later calls ignored a different classes= silently, where scikit-learn's
    # partial_fit estimators raise.
    X, y = small
    clf = CostSensitiveNetClassifier(**FAST).partial_fit(X, y, classes=range(10))
    clf.partial_fit(X, y, classes=list(range(9, -1, -1)))  # same labels: fine
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X, y, classes=range(11))
    assert clf.__sklearn_is_fitted__() and len(clf.classes_) == 10


def test_sample_cost_dataframe_columns_are_labels(digits_str):
    # A DataFrame of costs was read by column position: the same costs with
    # the columns in another order trained another model.
    pd = pytest.importorskip("pandas")
    X, y = digits_str[0][:200], digits_str[1][:200]
    params = dict(FAST, batch_size=-1, max_epochs=2, random_state=0)
    classes = np.unique(y)
    costs = np.random.RandomState(0).rand(len(y), len(classes))
    by_array = BilinearNetClassifier(**params).fit(X, y, sample_cost=costs)
    frame = pd.DataFrame(costs, columns=classes).iloc[:, ::-1]
    by_frame = BilinearNetClassifier(**params).fit(X, y, sample_cost=frame)
    np.testing.assert_allclose(by_frame.predict_proba(X), by_array.predict_proba(X))
    with pytest.raises(ValueError, match="columns of the sample_cost DataFrame"):
        BilinearNetClassifier(**params).fit(
            X,
            y,
            sample_cost=pd.DataFrame(costs),  # 0..9, not the labels
        )


def test_skorch_forward_takes_arrays(small):
    # net.forward(X) and forward_iter(X) with a NumPy X failed with
    # AttributeError ('str' object has no attribute 'type').
    X, y = small
    clf = CostSensitiveNetClassifier(**FAST).fit(X, y)
    logits = clf.forward(X[:7])
    assert logits.shape == (7, 10)
    np.testing.assert_allclose(
        torch.softmax(logits.double(), -1).numpy(), clf.predict_proba(X[:7]), atol=1e-6
    )
    chunks = list(clf.forward_iter(X[:7].tolist()))
    torch.testing.assert_close(torch.cat(chunks), logits)


def test_warm_fits_follow_changed_callback_settings(small):
    # The default callbacks were built once: a warm fit after
    # set_params(early_stopping=False) failed with KeyError 'valid_loss' and
    # left the net unfitted, and a new n_iter_no_change / tol was ignored.
    X, y = small
    params = dict(FAST, max_epochs=4, warm_start=True)
    clf = CostSensitiveNetClassifier(early_stopping=True, **params).fit(X, y)
    clf.set_params(early_stopping=False).fit(X, y)
    assert "early_stopping" not in dict(clf.callbacks_)
    assert clf.validation_scores_ is None and clf.n_iter_ > 4
    clf.set_params(early_stopping="train_loss", n_iter_no_change=1, tol=10.0)
    before = clf.n_iter_
    clf.fit(X, y)  # no epoch improves the loss by 10: stops after two
    assert clf.n_iter_ - before == 2
    assert dict(clf.callbacks_)["early_stopping"].patience == 1


def test_a_warm_fit_counts_the_classes_of_its_data(small):
    # A warm fit kept the first fit's class counts (and class weights).
    X, y = small
    params = dict(FAST, warm_start=True, class_weight="balanced")
    clf = CostSensitiveNetClassifier(**params).fit(X, y)
    keep = (y != 0) | (np.arange(len(y)) % 5 == 0)  # class 0 rarer
    clf.fit(X[keep], y[keep])
    fresh = CostSensitiveNetClassifier(**{**params, "warm_start": False})
    fresh.fit(X[keep], y[keep])
    np.testing.assert_array_equal(clf.class_counts_, fresh.class_counts_)
    np.testing.assert_allclose(clf.class_weight_, fresh.class_weight_)
    counts = clf.class_counts_.copy()
    clf.partial_fit(X, y)  # later partial_fit calls keep the counts
    np.testing.assert_array_equal(clf.class_counts_, counts)


# --------------------------------------------------------------------------
# validation and errors
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, match",
    [
        ({"alpha": 1.5}, "'alpha' parameter .* in the range \\[0.0, 1.0\\]"),
        ({"alpha": -0.1}, "'alpha' parameter .* in the range \\[0.0, 1.0\\]"),
        ({"loss": "hinge"}, "'loss' parameter .* must be a str among"),
        ({"gamma": -1}, "'gamma' parameter .* in the range \\[0.0, inf\\)"),
        ({"beta": 1.0}, "'beta' parameter .* in the range \\[0.0, 1.0\\)"),
        ({"margin": 0.4}, "'margin' parameter .* in the range \\(0.5, 1.0\\)"),
        ({"decision": "vote"}, "'decision' parameter .* str among"),
        ({"batch_size": 0}, "'batch_size' parameter .* range \\[1, inf\\) or"),
        ({"max_epochs": 0}, "'max_epochs' parameter .* range \\[1, inf\\)"),
        ({"validation_fraction": 1.0}, "'validation_fraction' parameter"),
        (
            {"loss": "class_balanced", "class_weight": "balanced"},
            "class_weight must be None with loss='class_balanced'",
        ),
        ({"loss": "bilinear", "penalty_matrix": np.ones((3, 3))}, "shape \\(10, 10\\)"),
        ({"loss": "bilinear", "penalty_matrix": -np.ones((10, 10))}, "negative"),
        ({"loss": "bilinear", "penalty_matrix": {(1, 42): 1.0}}, "42"),
        ({"class_weight": {42: 2.0}}, "42"),
    ],
)
def test_bad_parameters_raise_clear_errors(params, match, small):
    X, y = small
    with pytest.raises(ValueError, match=match):
        CostSensitiveNetClassifier(**{**FAST, **params}).fit(X, y)


def test_bad_inputs_raise_clear_errors(small):
    X, y = small
    clf = CostSensitiveNetClassifier(**FAST)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(X_nan, y)
    with pytest.raises(ValueError, match="one class"):
        clf.fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="Unknown label type"):
        clf.fit(X, np.linspace(0, 1, len(y)))
    clf.fit(X, y)
    with pytest.raises(ValueError, match="expecting 64 features"):
        clf.predict(X[:, :10])
    with pytest.raises(ValueError, match="sample_cost is used by the bilinear"):
        clf.fit(X, y, sample_cost=np.ones((len(y), 10)))
    with pytest.raises(ValueError, match="sample_cost must have shape"):
        BilinearNetClassifier(**FAST).fit(X, y, sample_cost=np.ones((len(y), 3)))
    with pytest.raises(ValueError, match="sample_weight has 5 values"):
        clf.fit(X, y, sample_weight=np.ones(5))


def test_nan_loss_stops_training_with_a_clear_error(small):
    X, y = small

    def broken(logits, target):
        return (logits * float("nan")).sum()

    with pytest.raises(FloatingPointError, match="training loss became nan"):
        CostSensitiveNetClassifier(loss=broken, **FAST).fit(X, y)


def test_weights_broken_by_the_last_step_are_not_used_silently(monkeypatch):
    # One full batch, one epoch: the only loss is finite and the step after it
    # breaks the weights; the net predicted NaN without an error.
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    params = dict(
        optimizer=torch.optim.SGD, lr=1e30, batch_size=-1, max_epochs=1,
        hidden_layer_sizes=(16,), random_state=0, device="cpu",
    )  # fmt: skip
    # Weights huge but finite: the forward pass overflows at predict time.
    clf = CostSensitiveNetClassifier(**params).fit(X, y)
    for method in (clf.predict_proba, clf.predict, clf.predict_log_proba):
        with pytest.raises(FloatingPointError, match="outputs are NaN or infinite"):
            method(X)
    # Weights NaN after the last step: the fit itself stops, alone or batched.
    real = torch.optim.SGD.step

    def step(self, *args, **kwargs):
        out = real(self, *args, **kwargs)
        with torch.no_grad():
            for group in self.param_groups:
                group["params"][0].fill_(float("nan"))
        return out

    monkeypatch.setattr(torch.optim.SGD, "step", step)
    params["lr"] = 0.01
    clf = CostSensitiveNetClassifier(**params)
    with pytest.raises(FloatingPointError, match="weights became NaN or infinite"):
        clf.fit(X, y)
    assert not clf.__sklearn_is_fitted__()


def test_callable_loss_is_used(small):
    X, y = small
    calls = []

    def ce(logits, target):
        calls.append(len(target))
        return torch.nn.functional.cross_entropy(logits, target)

    CostSensitiveNetClassifier(loss=ce, batch_size=100, **FAST).fit(X, y)
    assert calls == [100] * 9


def test_unfitted_predict_raises(small):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CostSensitiveNetClassifier().predict(small[0])


# --------------------------------------------------------------------------
# randomness, training control, persistence
# --------------------------------------------------------------------------
def test_same_seed_same_model_and_global_rng_untouched(small):
    X, y = small
    state = torch.random.get_rng_state()
    p1 = CostSensitiveNetClassifier(random_state=3, max_epochs=2).fit(X, y)
    assert torch.equal(state, torch.random.get_rng_state())
    p2 = CostSensitiveNetClassifier(random_state=3, max_epochs=2).fit(X, y)
    p3 = CostSensitiveNetClassifier(random_state=4, max_epochs=2).fit(X, y)
    np.testing.assert_array_equal(p1.predict_proba(X), p2.predict_proba(X))
    assert not np.allclose(p1.predict_proba(X), p3.predict_proba(X))


def test_training_data_is_shuffled_each_epoch(small):
    X, y = small
    firsts = []

    def spy(logits, target):
        if len(firsts) % 3 == 0:
            firsts.append(target[:20].tolist())
        else:
            firsts.append(None)
        return torch.nn.functional.cross_entropy(logits, target)

    CostSensitiveNetClassifier(
        loss=spy, batch_size=100, max_epochs=2, random_state=0
    ).fit(X, y)
    first_batches = [f for f in firsts if f is not None]
    assert first_batches[0] != first_batches[1]
    assert first_batches[0] != y[:20].tolist()


def test_no_silent_holdout_and_early_stopping(small):
    X, y = small
    clf = CostSensitiveNetClassifier(**FAST).fit(X, y)
    assert "valid_loss" not in clf.history[-1]
    es = CostSensitiveNetClassifier(
        early_stopping=True, n_iter_no_change=2, tol=10.0, max_epochs=30, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # stopping early is not an interruption
        es.fit(X, y)
    assert "valid_loss" in es.history[-1]
    assert len(es.history) == 3  # no epoch improves by tol=10: stops after 2 more
    assert not es.interrupted_ and es.n_iter_ == 3


def test_verbose_zero_is_silent(small, capsys):
    CostSensitiveNetClassifier(**FAST).fit(*small)
    assert capsys.readouterr().out == ""
    CostSensitiveNetClassifier(verbose=1, **FAST).fit(*small)
    assert "train_loss" in capsys.readouterr().out


def test_warm_start_and_partial_fit_continue_training(small):
    X, y = small
    clf = CostSensitiveNetClassifier(warm_start=True, **FAST).fit(X, y)
    clf.fit(X, y)
    assert len(clf.history) == 6
    pf = CostSensitiveNetClassifier(max_epochs=1, random_state=0)
    pf.partial_fit(X[y < 5], y[y < 5], classes=np.arange(10))
    pf.partial_fit(X, y)
    assert len(pf.history) == 2 and len(pf.classes_) == 10


def test_pickle_round_trip(digits_str):
    X, y = digits_str
    clf = BilinearNetClassifier(penalty_matrix={("one", "seven"): 2.0}, **FAST)
    clf.fit(X[:200], y[:200])
    clone_ = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone_.predict_proba(X), clf.predict_proba(X))
    assert clone_.device == "cpu"
    auto = CostSensitiveNetClassifier(max_epochs=1, device="auto").fit(X[:50], y[:50])
    assert pickle.loads(pickle.dumps(auto)).device == "auto"


# --------------------------------------------------------------------------
# sample weights, per-sample costs, balanced batches
# --------------------------------------------------------------------------
def test_integer_sample_weight_equals_duplicated_rows(small):
    X, y = small
    w = np.random.RandomState(0).randint(0, 4, size=len(y))
    params = dict(batch_size=-1, max_epochs=5, random_state=0, lr=1e-2)
    weighted = CostSensitiveNetClassifier(loss="focal", **params)
    weighted.fit(X, y, sample_weight=w)
    repeated = CostSensitiveNetClassifier(loss="focal", **params)
    repeated.fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-5
    )


@pytest.mark.parametrize(
    "params",
    [
        {"class_weight": "balanced"},
        {"class_weight": "effective_number", "beta": 0.9},
        {"loss": "ldam"},
        {"loss": "class_balanced"},
    ],
)
def test_class_counts_weighted_like_duplicated_rows(small, params):
    # class_weight="balanced" (and every rule built on class counts) counted
    # rows, not their weights: weights [1, 1, 1] where the repeated rows gave
    # [0.47, 2.33, 2.33].
    X, y = small
    w = np.random.RandomState(1).randint(0, 4, size=len(y))
    params = dict(batch_size=-1, max_epochs=3, random_state=0, lr=1e-2, **params)
    weighted = CostSensitiveNetClassifier(**params).fit(X, y, sample_weight=w)
    repeated = CostSensitiveNetClassifier(**params).fit(
        np.repeat(X, w, axis=0), np.repeat(y, w)
    )
    np.testing.assert_allclose(weighted.class_counts_, repeated.class_counts_)
    if repeated.class_weight_ is not None:
        np.testing.assert_allclose(weighted.class_weight_, repeated.class_weight_)
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-5
    )


def test_sample_weight_changes_the_model(small):
    X, y = small
    w = np.where(y == 3, 20.0, 1.0)
    plain = CostSensitiveNetClassifier(**FAST).fit(X, y)
    weighted = CostSensitiveNetClassifier(**FAST).fit(X, y, sample_weight=w)
    assert (weighted.predict(X) == 3).sum() > (plain.predict(X) == 3).sum()


def test_sample_cost_equal_to_matrix_rows_matches_penalty_matrix(small):
    X, y = small
    A = random_mask(10, 30, random_state=1) * 3
    by_matrix = BilinearNetClassifier(penalty_matrix=A, alpha=0.7, **FAST).fit(X, y)
    by_sample = BilinearNetClassifier(alpha=0.7, **FAST).fit(X, y, sample_cost=A[y])
    np.testing.assert_allclose(
        by_sample.predict_proba(X), by_matrix.predict_proba(X), atol=1e-6
    )


def test_sample_weight_routed_through_pipeline_and_search(small):
    X, y = small
    w = np.where(y == 3, 5.0, 1.0)
    with config_context(enable_metadata_routing=True):
        net = CostSensitiveNetClassifier(**FAST).set_fit_request(sample_weight=True)
        net.set_score_request(sample_weight=True)
        pipe = Pipeline(
            [
                ("scale", StandardScaler().set_fit_request(sample_weight=False)),
                ("net", net),
            ]
        )
        # scikit-learn < 1.8 also asks the pipeline to say so for its score.
        pipe.set_score_request(sample_weight=True)
        res = cross_validate(pipe, X, y, params={"sample_weight": w}, cv=2)
        assert np.all(np.isfinite(res["test_score"]))
        search = GridSearchCV(pipe, {"net__loss": ["cross_entropy", "focal"]}, cv=2)
        search.fit(X, y, sample_weight=w)
        assert search.best_params_["net__loss"] in ("cross_entropy", "focal")


def test_resampler_before_weighted_net_fails_loudly(small):
    X, y = small
    with config_context(enable_metadata_routing=True):
        net = CostSensitiveNetClassifier(**FAST).set_fit_request(sample_weight=True)
        pipe = Pipeline([("ros", RandomOverSampler(random_state=0)), ("net", net)])
        keep = (y != 3) | (np.arange(len(y)) % 4 == 0)
        with pytest.raises(ValueError, match="resampler before this net"):
            pipe.fit(X[keep], y[keep], sample_weight=np.ones(keep.sum()))


def test_balanced_sampler_draws_balanced_batches(small, device):
    X, y = small
    keep = (y >= 5) | (np.arange(len(y)) % 6 == 0)
    X, y = X[keep], y[keep]
    seen = []

    def spy(logits, target):
        seen.append(target.clone())
        return torch.nn.functional.cross_entropy(logits, target)

    CostSensitiveNetClassifier(
        loss=spy,
        sampler="balanced",
        max_epochs=20,
        random_state=0,
        device=device,
        cuda_graph=False,  # a captured step would call the spy only at capture
    ).fit(X, y)
    drawn = torch.cat(seen).cpu().numpy()
    drawn = np.bincount(drawn, minlength=10) / len(drawn)
    assert np.bincount(y, minlength=10)[:5].sum() / len(y) < 0.2
    np.testing.assert_allclose(drawn, 0.1, atol=0.02)


def test_balanced_sampler_is_reproducible(small):
    X, y = small
    a = CostSensitiveNetClassifier(sampler="sqrt", **FAST).fit(X, y)
    b = CostSensitiveNetClassifier(sampler="sqrt", **FAST).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    with pytest.raises(ValueError, match="'sampler' parameter"):
        CostSensitiveNetClassifier(sampler="nope", **FAST).fit(X, y)


# --------------------------------------------------------------------------
# the workflow of the README and the paper's central claim
# --------------------------------------------------------------------------
def test_grid_search_in_imblearn_pipeline_with_masked_zone_scorer(digits_str):
    X, y = digits_str
    X, y = X[:600], y[:600]
    labels = sorted(set(y))
    A1 = random_mask(10, 20, random_state=0)
    A2 = random_mask(10, 40, random_state=1)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("ros", RandomOverSampler(random_state=0)),
            ("net", BilinearNetClassifier(max_epochs=5, random_state=0)),
        ]
    )
    search = GridSearchCV(
        pipe,
        {"net__alpha": [0.0, 0.9], "net__penalty_matrix": [A1, A2]},
        scoring={
            "masked": make_masked_zone_scorer(A1, labels=labels),
            "accuracy": "accuracy",
        },
        refit="masked",
        cv=2,
    )
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(search.cv_results_["mean_test_masked"] <= 0)
    assert set(search.predict(X[:10])) <= set(labels)


@pytest.mark.slow
def test_bilinear_alpha_lowers_masked_zone_error(digits):
    """The paper's central claim on load_digits with a random 30-cell mask."""
    X, y = digits
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.5, random_state=0, stratify=y
    )
    masked = {0.0: [], 0.9: []}
    for rep in range(3):
        A = random_mask(10, 30, random_state=rep)
        for alpha in masked:
            clf = BilinearNetClassifier(
                penalty_matrix=A, alpha=alpha, max_epochs=60, random_state=rep
            )
            masked[alpha].append(
                masked_zone_error(yte, clf.fit(Xtr, ytr).predict(Xte), A)
            )
    assert np.mean(masked[0.9]) < 0.75 * np.mean(masked[0.0])


def test_progress_bar_reports_epochs(small, capsys):
    clf = CostSensitiveNetClassifier(progress_bar=True, **FAST).fit(*small)
    err = capsys.readouterr().err
    assert "3/3" in err and "epoch" in err
    assert pickle.loads(pickle.dumps(clf)).progress_bar is True


def test_callable_sampler_sets_class_probabilities(small):
    X, y = small
    seen = []

    def spy(logits, target):
        seen.append(target.clone())
        return torch.nn.functional.cross_entropy(logits, target)

    def only_even(counts):
        return [1.0 if c % 2 == 0 else 0.0 for c in range(len(counts))]

    CostSensitiveNetClassifier(loss=spy, sampler=only_even, **FAST).fit(X, y)
    assert set(torch.cat(seen).tolist()) == {0, 2, 4, 6, 8}


def test_torch_module_losses_can_be_given_and_set(small):
    X, y = small
    clf = CostSensitiveNetClassifier(loss=torch.nn.CrossEntropyLoss(), **FAST)
    clf.fit(X, y)
    assert isinstance(clf.criterion_, torch.nn.CrossEntropyLoss)
    clf.set_params(loss=torch.nn.MultiMarginLoss()).fit(X, y)
    assert isinstance(clf.criterion_, torch.nn.MultiMarginLoss)
    by_class = (
        clone(clf)
        .set_params(loss=torch.nn.CrossEntropyLoss, criterion__label_smoothing=0.1)
        .fit(X, y)
    )
    assert by_class.criterion_.label_smoothing == 0.1


def test_grad_callbacks_and_closure_optimizers_still_work(small):
    from skorch.callbacks import Callback

    X, y = small
    seen = []

    class GradSpy(Callback):
        def on_grad_computed(self, net, named_parameters, batch=None, **kwargs):
            seen.append(sum(p.grad.abs().sum().item() for _, p in named_parameters))

    clf = CostSensitiveNetClassifier(
        callbacks=[("spy", GradSpy())], batch_size=100, **FAST
    ).fit(X, y)
    assert len(seen) == 9 and all(g > 0 for g in seen)
    lbfgs = CostSensitiveNetClassifier(
        optimizer=torch.optim.LBFGS, lr=0.5, batch_size=-1, **FAST
    ).fit(X, y)
    assert lbfgs.history[-1, "train_loss"] < lbfgs.history[0, "train_loss"]
    clf.predict(X)
    assert clf.module_.training is False


def test_dropout_is_on_in_training_and_off_in_prediction(small):
    X, y = small
    modes = []

    def spy(logits, target):
        modes.append(clf.module_.training)
        return torch.nn.functional.cross_entropy(logits, target)

    clf = CostSensitiveNetClassifier(
        loss=spy, module__dropout=0.5, module=MLP, early_stopping=True, **FAST
    )
    clf.fit(X, y)
    assert True in modes and False in modes  # train batches, then validation
    p1, p2 = clf.predict_proba(X), clf.predict_proba(X)
    np.testing.assert_array_equal(p1, p2)


# --------------------------------------------------------------------------
# hardening (issue 9): interrupts, failed fits, managed skorch parameters
# --------------------------------------------------------------------------
class _SignalAtEpoch(Callback):
    """Send a signal to this process at the end of one epoch, as Ctrl-C or
    ``kill`` would while training runs."""

    def __init__(self, epoch, signum=signal.SIGINT):
        self.epoch, self.signum = epoch, signum

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            os.kill(os.getpid(), self.signum)


def test_interrupted_fit_warns_and_is_marked(small):
    X, y = small
    clf = CostSensitiveNetClassifier(
        callbacks=[("stop", _SignalAtEpoch(2))], **{**FAST, "max_epochs": 6}
    )
    with pytest.warns(UserWarning, match="interrupted after 2 of 6 epochs"):
        clf.fit(X, y)
    assert clf.interrupted_ and clf.n_iter_ == 2
    # What was trained can still be used, as with MLPClassifier.
    assert clf.predict(X).shape == (len(y),)
    clf.set_params(callbacks=None).fit(X, y)
    assert not clf.interrupted_ and clf.n_iter_ == 6


def _nan_loss(logits, target):
    return (logits * float("nan")).sum()


def test_fit_that_raised_leaves_the_net_unfitted(small):
    from sklearn.exceptions import NotFittedError

    X, y = small
    clf = CostSensitiveNetClassifier(**FAST).fit(X, y)
    broken = _nan_loss
    with pytest.raises(FloatingPointError):
        clf.set_params(loss=broken).fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    # partial_fit on a fitted net that then fails is not fitted either.
    clf.set_params(loss="cross_entropy").fit(X, y)
    with pytest.raises(FloatingPointError):
        clf.set_params(loss=broken).partial_fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict_proba(X)


def test_failed_fit_with_progress_bar_stays_picklable(small):
    X, y = small
    clf = CostSensitiveNetClassifier(loss=_nan_loss, progress_bar=True, **FAST)
    with pytest.raises(FloatingPointError):
        clf.fit(X, y)
    pickle.loads(pickle.dumps(clf))


def test_float64_beyond_float32_range_is_refused(small):
    X, y = small
    X = X.astype(np.float64)
    X_big = X.copy()
    X_big[3, 5] = 1e39
    clf = CostSensitiveNetClassifier(**FAST)
    with pytest.raises(ValueError, match="float32"):
        clf.fit(X_big, y)
    clf.fit(X, y)
    with pytest.raises(ValueError, match="float32"):
        clf.predict(X_big)


@pytest.mark.parametrize(
    "params, names",
    [
        ({"criterion": torch.nn.NLLLoss}, "loss="),
        ({"iterator_train__shuffle": False}, "batch_size"),
        ({"iterator_valid__batch_size": 3}, "batch_size"),
        ({"train_split": ValidSplit(5)}, "early_stopping"),
        ({"dataset": torch.utils.data.TensorDataset}, "dataset"),
        ({"predict_nonlinearity": "auto"}, "decision"),
        ({"criterion__reduction": "sum"}, "loss"),
        ({"loss": "focal", "criterion__reduction": "sum"}, "loss"),
    ],
)
def test_managed_skorch_params_are_refused_naming_the_sklimb_one(params, names, small):
    X, y = small
    with pytest.raises(ValueError, match=names):
        CostSensitiveNetClassifier(**{**FAST, **params}).fit(X, y)


def test_clone_keeps_every_parameter_skorch_accepts():
    params = dict(
        compile=True,
        use_caching=False,
        torch_load_kwargs={"weights_only": True},
        train_split=None,
        lr=0.1,
        module__dropout=0.2,
        optimizer__weight_decay=1e-4,
        alpha=np.float32(0.3),
    )
    est = BilinearNetClassifier(**params)
    twin = clone(est)
    for key, value in params.items():
        assert twin.get_params()[key] == value, key
    assert twin.get_params(deep=False).keys() == est.get_params(deep=False).keys()
    for name in skorch_param_names():
        assert name in est.get_params(), name


# --------------------------------------------------------------------------
# what MLPClassifier users expect (issue 11)
# --------------------------------------------------------------------------
def test_mlp_attributes_after_fit_and_partial_fit(small):
    X, y = small
    with pytest.warns(ConvergenceWarning, match="maximum epochs \\(3\\) reached"):
        clf = CostSensitiveNetClassifier(**FAST).fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert clf.loss_curve_ == [clf.history[i, "train_loss"] for i in range(3)]
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.t_ == 3 * len(y)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    clf.set_params(max_epochs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 4 and len(clf.loss_curve_) == 4 and clf.t_ == 4 * len(y)


def test_validation_scores_with_early_stopping(small):
    X, y = small
    clf = CostSensitiveNetClassifier(
        early_stopping=True, validation_fraction=0.2, **{**FAST, "max_epochs": 4}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    assert clf.best_loss_ is None
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert all(0 <= s <= 1 for s in clf.validation_scores_)
    assert clf.t_ == clf.n_iter_ * 240  # 80% of the 300 rows train


def test_early_stopping_on_the_training_loss_without_hold_out(small):
    X, y = small
    clf = CostSensitiveNetClassifier(
        early_stopping="train_loss", tol=10.0, n_iter_no_change=2, max_epochs=30
    ).set_params(random_state=0, device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converged: no ConvergenceWarning
        clf.fit(X, y)
    assert clf.n_iter_ == 3 and not clf.interrupted_  # 1 + n_iter_no_change
    assert "valid_loss" not in clf.history[-1]
    assert clf.t_ == 3 * len(y)  # no hold-out


def test_no_convergence_warning_when_the_loss_has_flattened(small):
    X, y = small
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CostSensitiveNetClassifier(tol=10.0, n_iter_no_change=2, **FAST).fit(X, y)


def test_predict_log_proba_and_cross_val_predict(small):
    from sklearn.model_selection import cross_val_predict

    X, y = small
    clf = CostSensitiveNetClassifier(**FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
        out = cross_val_predict(clone(clf), X, y, cv=2, method="predict_log_proba")
    np.testing.assert_allclose(
        np.exp(clf.predict_log_proba(X)), clf.predict_proba(X), rtol=1e-12
    )
    assert out.shape == (300, 10) and np.all(out <= 0)
    # Computed from the logits: finite where the probability rounds to 0.
    big = CostSensitiveNetClassifier(**FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        big.fit(X * 1e4, y)
    assert np.isfinite(big.predict_log_proba(X * 1e4)).all()


@pytest.mark.slow
def test_read_only_arrays_and_dataframes_train_without_warnings():
    # PyTorch warns about a non-writable array once per process: run in a
    # fresh one.
    pytest.importorskip("pandas")
    script = """
import warnings
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklimb import CostSensitiveNetClassifier

warnings.simplefilter("error")
warnings.simplefilter("ignore", ConvergenceWarning)
rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3)).astype(np.float32)
y = np.arange(40) % 2
X.flags.writeable = False
y.flags.writeable = False
df = pd.DataFrame(X, columns=["a", "b", "c"])
for data in (X, df):
    clf = CostSensitiveNetClassifier(max_epochs=1, device="cpu")
    clf.fit(data, y, sample_weight=np.full(40, 0.5)).predict_proba(data)
print("ok")
"""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda X, y: {"a": X[:, :32], "b": X[:, 32:]}, "X is a dict.*concatenate"),
        (
            lambda X, y: torch.utils.data.TensorDataset(torch.as_tensor(X)),
            "X is a torch Dataset \\(TensorDataset\\).*arrays",
        ),
    ],
)
def test_dict_and_dataset_inputs_are_refused_clearly(make, match, small):
    X, y = small
    with pytest.raises(TypeError, match=match):
        CostSensitiveNetClassifier(**FAST).fit(make(X, y), y)
    clf = CostSensitiveNetClassifier(**{**FAST, "max_epochs": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    with pytest.raises(TypeError, match=match):
        clf.predict(make(X, y))


def test_skorch_save_and_restore_recipe_with_device_auto(digits_str, tmp_path):
    X, y = digits_str
    X, y = X[:300], y[:300]
    params = dict(max_epochs=2, random_state=0, loss="bilinear", alpha=0.4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = CostSensitiveNetClassifier(**params).fit(X, y)  # device="auto"
    clf.save_params(f_params=tmp_path / "params.pt")
    new = CostSensitiveNetClassifier(
        **params, classes=clf.classes_, module__n_features=X.shape[1]
    )
    new.initialize()
    new.load_params(f_params=tmp_path / "params.pt")
    np.testing.assert_array_equal(new.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(new.predict(X), clf.predict(X))
    assert new.device == "auto"
    # Without the labels or the input size: a clear error naming both.
    with pytest.raises(ValueError, match="classes=.*module__n_features"):
        CostSensitiveNetClassifier().initialize()
    with pytest.raises(ValueError, match="pass module__n_features"):
        CostSensitiveNetClassifier(classes=[0, 1]).initialize()


def test_classes_parameter_fixes_the_labels(small):
    X, y = small
    labels = np.arange(12)  # two labels never seen in y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = CostSensitiveNetClassifier(classes=labels[::-1], **FAST).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, labels)
    assert clf.predict_proba(X).shape == (300, 12)
    with pytest.raises(ValueError, match="classes must list each label once"):
        CostSensitiveNetClassifier(classes=[0, 0, 1], **FAST).fit(X, y)
    with pytest.raises(ValueError, match="unknown to the classifier"):
        CostSensitiveNetClassifier(classes=[0, 1], **FAST).fit(X, y)
    with pytest.raises(ValueError, match="differs from the classes parameter"):
        CostSensitiveNetClassifier(classes=labels, **FAST).partial_fit(
            X, y, classes=np.arange(10)
        )


def test_repr_shows_the_parameters_set_by_the_user():
    from sklearn.pipeline import make_pipeline

    A = np.eye(3)
    net = BilinearNetClassifier(alpha=0.9, penalty_matrix=A, max_epochs=30)
    text = repr(net)
    assert text.startswith("BilinearNetClassifier(alpha=0.9, max_epochs=30,")
    assert "penalty_matrix=array([[1., 0., 0.]," in text
    assert repr(CostSensitiveNetClassifier()) == "CostSensitiveNetClassifier()"
    assert repr(BilinearNetClassifier()) == "BilinearNetClassifier()"
    assert repr(CostSensitiveNetClassifier(compile=True, module__dropout=0.2)) == (
        "CostSensitiveNetClassifier(compile=True, module__dropout=0.2)"
    )
    pipe = make_pipeline(StandardScaler(), BilinearNetClassifier(alpha=0.9))
    assert "('bilinearnetclassifier', BilinearNetClassifier(alpha=0.9))" in repr(pipe)
    # Fitted or not, the repr is the parameters.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = clone(net).set_params(max_epochs=1, device="cpu")
        fitted.fit(np.random.default_rng(0).normal(size=(30, 4)), np.arange(30) % 3)
    assert repr(fitted).startswith("BilinearNetClassifier(alpha=0.9, device='cpu',")


def test_html_repr_marks_user_set_parameters_only():
    pytest.importorskip("sklearn.utils._repr_html.params")  # scikit-learn >= 1.7
    net = BilinearNetClassifier(alpha=0.9, lr=0.01)
    params = net._get_params_html()
    assert params.non_default == ("alpha", "lr")
    assert not any(name.startswith("callbacks__") for name in params)
    html = net._repr_html_()
    assert "callbacks__" not in html and "alpha" in html


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_X_trains_like_dense(fmt, small):
    import scipy.sparse as sp

    X, y = small
    params = {**FAST, "early_stopping": True, "max_epochs": 2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dense = CostSensitiveNetClassifier(**params).fit(X, y)
        sparse = CostSensitiveNetClassifier(**params)
        sparse.fit(sp.csr_matrix(X).asformat(fmt), y)
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X).asformat(fmt)),
        dense.predict_proba(X),
        atol=1e-6,
    )


def test_sparse_one_hot_pipeline():
    # OneHotEncoder's default output is a sparse matrix; it reaches the net as
    # one, and the net keeps it sparse on the device.
    import scipy.sparse as sp
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    X = rng.integers(0, 20, size=(200, 6))
    y = (X[:, 0] % 3 == 0).astype(int) + (X[:, 1] > 10)
    encoder = OneHotEncoder(handle_unknown="ignore")
    assert sp.issparse(encoder.fit_transform(X))
    seen = []

    class Spy(CostSensitiveNetClassifier):
        def _dataset(self, X, *args, **kwargs):
            seen.append(type(X).__name__)
            return super()._dataset(X, *args, **kwargs)

    pipe = make_pipeline(encoder, Spy(**{**FAST, "max_epochs": 20, "lr": 0.01}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(X, y)
    assert seen[0] == "csr_matrix" or seen[0] == "csr_array"
    assert pipe.score(X, y) > 0.9


# --------------------------------------------------------------------------
# costs inside meta-estimators that re-encode the labels (issue 11)
# --------------------------------------------------------------------------
def _reencoding_tools():
    from sklearn.ensemble import (
        BaggingClassifier,
        StackingClassifier,
        VotingClassifier,
    )
    from sklearn.linear_model import LogisticRegression

    return {
        "voting": lambda net: VotingClassifier([("net", net)], voting="soft"),
        "stacking": lambda net: StackingClassifier(
            [("net", net)], final_estimator=LogisticRegression(), cv=2
        ),
        "bagging": lambda net: BaggingClassifier(net, n_estimators=1, random_state=0),
    }


@pytest.mark.parametrize("tool", ["voting", "stacking", "bagging", "cross_val_predict"])
def test_array_costs_land_in_the_right_cells_inside_reencoding_tools(tool, small):
    from sklearn.model_selection import cross_val_predict

    X, y = small
    labels = np.array([10, 20, 30])
    y = labels[y % 3]  # labels {10, 20, 30}: the tools fit on {0, 1, 2}
    A = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 50.0], [4.0, 5.0, 0.0]])
    net = BilinearNetClassifier(penalty_matrix=A, **{**FAST, "max_epochs": 1})
    fitted = []

    class Record(BilinearNetClassifier):
        def fit(self, X, y, **kwargs):
            fitted.append(self)
            return super().fit(X, y, **kwargs)

    net = Record(**net.get_params())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if tool == "cross_val_predict":
            cross_val_predict(net, X, y, cv=2, method="predict_proba")
        else:
            _reencoding_tools()[tool](net).fit(X, y)
    assert fitted
    for inner in fitted:
        # Whatever labels the tool used, cell (i, j) is the cost of
        # (labels[i], labels[j]), as the array says.
        assert len(inner.classes_) == 3
        np.testing.assert_array_equal(inner.penalty_matrix_, A)


def test_label_keyed_costs_inside_a_reencoding_tool_explain_the_fix(small):
    X, y = small
    y = np.array(["a", "b", "c"])[y % 3]
    net = BilinearNetClassifier(penalty_matrix={("c", "b"): 50.0}, **FAST)
    with pytest.raises(ValueError, match="re-encoded the labels.*as an array"):
        _reencoding_tools()["voting"](net).fit(X, y)


@pytest.mark.parametrize("cls", [CostSensitiveNetClassifier, BilinearNetClassifier])
def test_clone_keeps_each_parameter_one_at_a_time(cls):
    # Every constructor parameter, sklimb's and skorch's, survives clone:
    # clone(est).get_params() == est.get_params() (issue 9, "done when").
    names = set(cls().get_params(deep=False)) | set(skorch_param_names())
    assert {"compile", "use_caching", "torch_load_kwargs", "train_split"} <= names
    for name in sorted(names):
        marker = f"marker-{name}"
        est = cls(**{name: marker})
        twin = clone(est)
        assert twin.get_params(deep=False)[name] == marker, name
        assert twin.get_params(deep=False).keys() == est.get_params(deep=False).keys()
