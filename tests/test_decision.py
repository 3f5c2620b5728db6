"""Tests of sklimb.decision: the minimum-risk meta-classifier."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_iris, make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklimb import CostSensitiveNetClassifier
from sklimb.decision import MinimumRiskClassifier
from sklimb.metrics import cost_weighted_error, make_cost_scorer

# No scikit-learn estimator check is expected to fail.
EXPECTED_FAILED = {}


@parametrize_with_checks(
    [MinimumRiskClassifier(LogisticRegression())],
    expected_failed_checks=lambda est: EXPECTED_FAILED,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


class _TableClassifier(ClassifierMixin, BaseEstimator):
    """Returns row ``int(X[n, 0])`` of ``proba``: hand-made probabilities."""

    def __init__(self, proba, classes):
        self.proba = proba
        self.classes = classes

    def fit(self, X, y):
        self.classes_ = np.asarray(self.classes)
        return self

    def predict_proba(self, X):
        rows = np.asarray(X)[:, 0].astype(int)
        return np.asarray(self.proba, dtype=float)[rows]


PROBA = [
    [0.7, 0.2, 0.1],
    [0.4, 0.35, 0.25],
    [0.1, 0.3, 0.6],
    [0.5, 0.1, 0.4],
]
X_ROWS = np.arange(4)[:, None]
Y_ANY = np.array([0, 1, 2, 0])


def _fit(cost_matrix, classes=(0, 1, 2), proba=PROBA):
    clf = MinimumRiskClassifier(_TableClassifier(proba, classes), cost_matrix)
    return clf.fit(X_ROWS, np.asarray(classes)[Y_ANY])


def test_zero_one_cost_predicts_most_probable_class():
    clf = _fit(None)
    np.testing.assert_array_equal(clf.predict(X_ROWS), [0, 0, 2, 0])
    np.testing.assert_array_equal(clf.cost_matrix_, 1 - np.eye(3))


def test_decisions_on_hand_made_probabilities():
    # Missing class 2 (truth 2, predicted 0 or 1) costs 10; other errors 1.
    cost = [[0, 1, 1], [1, 0, 1], [10, 10, 0]]
    clf = _fit(cost)
    # Row 0: costs of predicting 0, 1, 2 are 0.2 + 1.0 = 1.2, 0.7 + 1.0 = 1.7,
    # 0.7 + 0.2 = 0.9 -> class 2 although p(2) = 0.1.
    expected_cost = np.array(
        [
            [1.2, 1.7, 0.9],
            [0.35 + 2.5, 0.4 + 2.5, 0.75],
            [0.3 + 6.0, 0.1 + 6.0, 0.4],
            [0.1 + 4.0, 0.5 + 4.0, 0.6],
        ]
    )
    np.testing.assert_allclose(clf.predict_expected_cost(X_ROWS), expected_cost)
    np.testing.assert_array_equal(clf.predict(X_ROWS), [2, 2, 2, 2])


def test_a_cheap_prediction_beats_a_more_probable_class():
    # Predicting 1 costs 0.3 whatever the truth; other errors cost 1.
    cost = [[0, 0.3, 1], [1, 0, 1], [1, 0.3, 0]]
    clf = _fit(cost)
    # Row 0: predicting 0 costs 0.3, predicting 1 costs 0.7 * 0.3 + 0.1 * 0.3.
    np.testing.assert_array_equal(clf.predict(X_ROWS), [1, 1, 1, 1])
    assert clf.predict_expected_cost(X_ROWS)[0, 1] == pytest.approx(0.24)


def test_ties_go_to_the_first_class():
    clf = _fit(None, proba=[[0.5, 0.5, 0.0]] * 4)
    np.testing.assert_array_equal(clf.predict(X_ROWS), [0, 0, 0, 0])


def test_cost_matrix_by_labels_is_aligned_to_classes():
    classes = ["ant", "bee", "cat"]
    by_dict = {
        ("ant", "bee"): 1,
        ("ant", "cat"): 1,
        ("bee", "ant"): 1,
        ("bee", "cat"): 1,
        ("cat", "ant"): 10,
        ("cat", "bee"): 10,
    }
    # The same costs as a DataFrame in a shuffled label order.
    order = ["cat", "ant", "bee"]
    frame = pd.DataFrame(
        [[0, 10, 10], [1, 0, 1], [1, 1, 0]], index=order, columns=order
    )
    expected = np.array([[0, 1, 1], [1, 0, 1], [10, 10, 0]], dtype=float)
    for cost in (by_dict, frame):
        clf = _fit(cost, classes=classes)
        np.testing.assert_array_equal(clf.cost_matrix_, expected)
        np.testing.assert_array_equal(clf.predict(X_ROWS), ["cat"] * 4)


def test_sample_cost_gives_each_example_its_own_matrix():
    clf = _fit(None)
    eye = np.eye(3)
    # Example 0 keeps 0-1 costs; example 1 makes a missed class 1 cost 5;
    # examples 2 and 3 make predicting 2 cost 50 when wrong.
    sample_cost = np.stack(
        [
            1 - eye,
            np.array([1.0, 5.0, 1.0])[:, None] * (1 - eye),
            np.array([1.0, 1.0, 50.0])[None, :] * (1 - eye),
            np.array([1.0, 1.0, 50.0])[None, :] * (1 - eye),
        ]
    )
    # Row 1: predicting 0 costs 5 * 0.35 + 0.25 = 2.0, predicting 1 costs
    # 0.4 + 0.25 = 0.65. Row 2: predicting 2 costs 50 * 0.4 = 20.
    np.testing.assert_array_equal(
        clf.predict(X_ROWS, sample_cost=sample_cost), [0, 1, 1, 0]
    )
    np.testing.assert_allclose(
        clf.predict_expected_cost(X_ROWS, sample_cost=sample_cost)[1],
        [2.0, 0.65, 0.4 + 5 * 0.35],
    )
    # The same matrix for every example equals cost_matrix.
    cost = np.array([[0, 1, 1], [1, 0, 1], [10, 10, 0]], dtype=float)
    np.testing.assert_array_equal(
        clf.predict(X_ROWS, sample_cost=np.broadcast_to(cost, (4, 3, 3))),
        _fit(cost).predict(X_ROWS),
    )


@pytest.mark.parametrize(
    "sample_cost, message",
    [
        (np.ones((4, 3)), r"shape \(n_samples, n_classes, n_classes\)"),
        (np.ones((3, 3, 3)), r"= \(4, 3, 3\)"),
        (-np.ones((4, 3, 3)), "finite and non-negative"),
        (np.full((4, 3, 3), np.nan), "finite and non-negative"),
    ],
)
def test_sample_cost_is_validated(sample_cost, message):
    clf = _fit(None)
    with pytest.raises(ValueError, match=message):
        clf.predict(X_ROWS, sample_cost=sample_cost)


@pytest.mark.parametrize(
    "cost, error, message",
    [
        (np.ones((2, 2)), ValueError, r"cost_matrix must have shape \(3, 3\)"),
        ([[0, -1, 1], [1, 0, 1], [1, 1, 0]], ValueError, "cost_matrix must be non"),
        ({("ant", 1): 2.0}, ValueError, "cost_matrix does not fit classes_"),
        ("costly", TypeError, "cost_matrix"),
    ],
)
def test_bad_cost_matrix_names_the_parameter(cost, error, message):
    with pytest.raises(error, match=message):
        _fit(cost)


def test_estimator_without_predict_proba_is_refused():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="'estimator' parameter"):
        MinimumRiskClassifier(LinearSVC()).fit(X, y)


def test_grid_search_tunes_the_cost_matrix():
    X, y = make_classification(
        n_samples=600,
        n_classes=3,
        n_informative=4,
        class_sep=0.5,
        random_state=0,
    )
    true_cost = np.array([[0, 1, 1], [1, 0, 1], [20, 20, 0]], dtype=float)
    grid = GridSearchCV(
        MinimumRiskClassifier(LogisticRegression()),
        {"cost_matrix": [None, true_cost]},
        scoring=make_cost_scorer(true_cost),
        cv=3,
    ).fit(X, y)
    np.testing.assert_array_equal(grid.best_params_["cost_matrix"], true_cost)
    scores = grid.cv_results_["mean_test_score"]
    assert scores[1] > scores[0]
    # Fewer missed class-2 samples cost more of the cheap errors.
    y_pred = grid.predict(X)
    plain = grid.best_estimator_.estimator_.predict(X)
    assert np.sum((y == 2) & (y_pred != 2)) < np.sum((y == 2) & (plain != 2))
    assert cost_weighted_error(y, y_pred, true_cost) < cost_weighted_error(
        y, plain, true_cost
    )


def test_matches_the_nets_min_risk_decision():
    X, y = load_iris(return_X_y=True)
    cost = np.array([[0, 1, 1], [1, 0, 8], [1, 1, 0]], dtype=float)
    params = dict(max_epochs=10, lr=1e-2, random_state=0, device="cpu")
    net = CostSensitiveNetClassifier(decision="min_risk", penalty_matrix=cost, **params)
    wrapped = MinimumRiskClassifier(CostSensitiveNetClassifier(**params), cost)
    net.fit(X, y)
    wrapped.fit(X, y)
    np.testing.assert_allclose(wrapped.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(wrapped.predict(X), net.predict(X))


def test_frozen_estimator_is_not_refitted():
    X, y = load_iris(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[::2], y[::2])
    coef = model[-1].coef_.copy()
    clf = MinimumRiskClassifier(FrozenEstimator(model), 1 - np.eye(3)).fit(X, y)
    np.testing.assert_array_equal(clf.estimator_.estimator[-1].coef_, coef)
    np.testing.assert_array_equal(clf.predict(X), model.predict(X))
    assert clf.n_features_in_ == 4


def test_sample_weight_and_fit_params_reach_the_estimator():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    weight = np.where(y == 1, 5.0, 1.0)
    clf = MinimumRiskClassifier(LogisticRegression()).fit(X, y, sample_weight=weight)
    reference = LogisticRegression().fit(X, y, sample_weight=weight)
    np.testing.assert_allclose(clf.estimator_.coef_, reference.coef_)

    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    clf = MinimumRiskClassifier(pipe).fit(
        X, y, logisticregression__sample_weight=weight
    )
    reference = clone(pipe).fit(X, y, logisticregression__sample_weight=weight)
    np.testing.assert_allclose(clf.predict_proba(X), reference.predict_proba(X))
    with pytest.raises(TypeError, match="does not accept sample_weight"):
        MinimumRiskClassifier(pipe).fit(X, y, sample_weight=weight)


def test_metadata_routing_reaches_the_wrapped_net():
    # With routing on, sample_weight / sample_cost given to the meta-estimator
    # (also inside cross_validate) reach the net that requests them.
    import warnings

    from sklearn import config_context
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import cross_validate

    from sklimb import BilinearNetClassifier

    X, y = load_iris(return_X_y=True)
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    w = np.where(y == 2, 3.0, 0.5)
    cost = np.ones((len(y), 3))
    cost[y == 0, 1] = 20.0
    params = dict(max_epochs=3, random_state=0, device="cpu", batch_size=-1)
    with config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net = BilinearNetClassifier(**params).set_fit_request(
            sample_weight=True, sample_cost=True
        )
        meta = MinimumRiskClassifier(net).fit(X, y, sample_weight=w, sample_cost=cost)
        direct = BilinearNetClassifier(**params).fit(
            X, y, sample_weight=w, sample_cost=cost
        )
        plain = BilinearNetClassifier(**params).fit(X, y)
        np.testing.assert_array_equal(meta.predict_proba(X), direct.predict_proba(X))
        assert not np.allclose(meta.predict_proba(X), plain.predict_proba(X))
        # scikit-learn < 1.8 also asks for the score's request.
        meta = MinimumRiskClassifier(net).set_score_request(sample_weight=True)
        scores = cross_validate(meta, X, y, cv=2, params={"sample_weight": w})
        assert len(scores["test_score"]) == 2


def test_pipeline_routes_predict_time_sample_cost():
    # With routing on, a Pipeline passes sample_cost to predict once the
    # meta-estimator requests it, and decides as with routing off; sample_weight
    # still goes to the estimator's fit without a request on the meta-estimator.
    from sklearn import config_context
    from sklearn.exceptions import UnsetMetadataPassedError

    X, y = load_iris(return_X_y=True)
    weight = np.where(y == 1, 5.0, 1.0)
    cost = np.broadcast_to(
        [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [9.0, 9.0, 0.0]], (150, 3, 3)
    )
    X_scaled = StandardScaler().fit_transform(X)
    reference = MinimumRiskClassifier(LogisticRegression()).fit(
        X_scaled, y, sample_weight=weight
    )
    expected = reference.predict(X_scaled, sample_cost=cost)
    assert not np.array_equal(expected, reference.predict(X_scaled))
    with config_context(enable_metadata_routing=True):
        logreg = LogisticRegression().set_fit_request(sample_weight=True)
        meta = MinimumRiskClassifier(logreg).set_predict_request(sample_cost=True)
        scaler = StandardScaler().set_fit_request(sample_weight=False)
        pipe = make_pipeline(scaler, meta).fit(X, y, sample_weight=weight)
        np.testing.assert_array_equal(pipe.predict(X, sample_cost=cost), expected)
        np.testing.assert_array_equal(
            pipe.predict_proba(X), reference.predict_proba(X_scaled)
        )
        unrequested = make_pipeline(
            StandardScaler(), MinimumRiskClassifier(LogisticRegression())
        ).fit(X, y)
        with pytest.raises(UnsetMetadataPassedError, match="set_predict_request"):
            unrequested.predict(X, sample_cost=cost)


def test_refit_without_feature_names_forgets_them():
    X, y = load_iris(return_X_y=True)
    clf = MinimumRiskClassifier(LogisticRegression(max_iter=500))
    clf.fit(pd.DataFrame(X, columns=list("abcd")), y)
    np.testing.assert_array_equal(clf.feature_names_in_, list("abcd"))
    clf.fit(X[:, :3], y)
    assert not hasattr(clf, "feature_names_in_")
    assert clf.n_features_in_ == 3


def test_cost_matrix_inside_a_tool_that_reencodes_labels():
    # BaggingClassifier fits its estimators on labels re-encoded as 0..K-1:
    # an array cost matrix (sorted-label order) keeps every cost in its cell;
    # a label-keyed one fails with a message saying why and what to pass.
    from sklearn.ensemble import BaggingClassifier

    X, y = load_iris(return_X_y=True)
    y = np.array(["setosa", "versicolor", "virginica"])[y]
    cost = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 4.0], [5.0, 50.0, 0.0]])
    meta = MinimumRiskClassifier(LogisticRegression(max_iter=500), cost_matrix=cost)
    bag = BaggingClassifier(meta, n_estimators=2, random_state=0).fit(X, y)
    for inner in bag.estimators_:
        np.testing.assert_array_equal(inner.cost_matrix_, cost)
    by_label = MinimumRiskClassifier(
        LogisticRegression(max_iter=500), cost_matrix={("virginica", "versicolor"): 50}
    )
    with pytest.raises(ValueError, match="re-encoded the labels.*as an array"):
        BaggingClassifier(by_label, n_estimators=2, random_state=0).fit(X, y)
