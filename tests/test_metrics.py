import pickle
import re

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_validate

from sklimb.metrics import (
    cost_weighted_error,
    expected_cost,
    make_cost_scorer,
    make_masked_zone_scorer,
    masked_zone_error,
)
from sklimb.penalty import align_penalty_matrix, random_mask

# Rows and columns in the sorted label order ["a", "b", "c"].
A = np.array(
    [
        [0.0, 1.0, 2.0],
        [3.0, 0.0, 4.0],
        [5.0, 6.0, 0.0],
    ]
)
Y_TRUE = np.array(["a", "a", "b", "b", "c", "c"])
Y_PRED = np.array(["a", "b", "b", "c", "a", "c"])
WEIGHTS = np.array([1, 2, 1, 3, 1, 1])


# cost_weighted_error


def test_cost_weighted_error_by_hand():
    # Errors a->b (cost 1), b->c (cost 4), c->a (cost 5): total 10 over 6 samples.
    assert cost_weighted_error(Y_TRUE, Y_PRED, A) == pytest.approx(10 / 6)
    assert cost_weighted_error(Y_TRUE, Y_PRED, A, normalize=False) == 10.0


def test_cost_weighted_error_perfect_and_returns_float():
    result = cost_weighted_error(Y_TRUE, Y_TRUE, A)
    assert result == 0.0
    assert isinstance(result, float)


def test_cost_weighted_error_sample_weight():
    # a->b has weight 2 (cost 2), b->c weight 3 (cost 12), c->a weight 1 (cost 5):
    # total 19 over a total weight of 9.
    result = cost_weighted_error(Y_TRUE, Y_PRED, A, sample_weight=WEIGHTS)
    assert result == pytest.approx(19 / 9)
    total = cost_weighted_error(
        Y_TRUE, Y_PRED, A, sample_weight=WEIGHTS, normalize=False
    )
    assert total == pytest.approx(19.0)


@pytest.mark.parametrize("normalize", [True, False])
def test_cost_weighted_error_sample_weight_equals_duplication(normalize):
    rng = np.random.RandomState(0)
    y_true = rng.choice(["a", "b", "c"], size=30)
    y_pred = rng.choice(["a", "b", "c"], size=30)
    weights = rng.randint(0, 4, size=30)
    weighted = cost_weighted_error(
        y_true, y_pred, A, sample_weight=weights, normalize=normalize
    )
    duplicated = cost_weighted_error(
        np.repeat(y_true, weights),
        np.repeat(y_pred, weights),
        A,
        normalize=normalize,
    )
    assert weighted == pytest.approx(duplicated)


def test_cost_weighted_error_labels_order():
    labels = ["c", "a", "b"]
    A_labels = A[np.ix_([2, 0, 1], [2, 0, 1])]
    assert_allclose(align_penalty_matrix(A_labels, ["a", "b", "c"], labels), A)
    assert cost_weighted_error(
        Y_TRUE, Y_PRED, A_labels, labels=labels
    ) == pytest.approx(10 / 6)


def test_cost_weighted_error_label_absent_from_data():
    # "z" never occurs; its row and column cost nothing.
    A4 = np.pad(A, ((0, 1), (0, 1)), constant_values=9.0)
    result = cost_weighted_error(Y_TRUE, Y_PRED, A4, labels=["a", "b", "c", "z"])
    assert result == pytest.approx(10 / 6)


def test_cost_weighted_error_integer_labels():
    assert cost_weighted_error([0, 1, 2], [1, 1, 0], A) == pytest.approx((1 + 5) / 3)


def test_cost_weighted_error_unknown_labels():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Found labels ['c'] in y_true or y_pred that are not in labels=['a', 'b']."
        ),
    ):
        cost_weighted_error(Y_TRUE, Y_PRED, np.zeros((2, 2)), labels=["a", "b"])


def test_cost_weighted_error_shape_mismatch():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "cost_matrix must have shape (3, 3) for 3 classes, got shape (2, 2)."
        ),
    ):
        cost_weighted_error(Y_TRUE, Y_PRED, np.zeros((2, 2)))


def test_cost_weighted_error_invalid_inputs():
    with pytest.raises(ValueError, match=r"cost_matrix must be non-negative"):
        cost_weighted_error(Y_TRUE, Y_PRED, -A)
    with pytest.raises(ValueError, match=r"normalize must be True or False"):
        cost_weighted_error(Y_TRUE, Y_PRED, A, normalize="all")
    with pytest.raises(ValueError, match=r"labels must not contain duplicates"):
        cost_weighted_error(Y_TRUE, Y_PRED, A, labels=["a", "b", "b"])
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples"):
        cost_weighted_error(Y_TRUE, Y_PRED[:-1], A)
    with pytest.raises(ValueError, match=r"must not be empty"):
        cost_weighted_error([], [], A)
    with pytest.raises(ValueError, match=r"at least one non-zero"):
        cost_weighted_error(Y_TRUE, Y_PRED, A, sample_weight=np.zeros(6))


# masked_zone_error

# Confusion matrix of these labels (rows true, columns predicted):
# [[1, 1, 1],
#  [0, 1, 1],
#  [1, 0, 2]]
MZ_TRUE = np.array([0, 0, 0, 1, 1, 2, 2, 2])
MZ_PRED = np.array([0, 1, 2, 1, 2, 0, 2, 2])
MASK = np.array(
    [
        [0, 1, 0],
        [0, 0, 0],
        [1, 0, 0],
    ]
)


def test_masked_zone_error_by_hand():
    # Cells (0, 1) and (2, 0) hold one sample each: 2 of 8 samples, 2 of 4 errors.
    assert masked_zone_error(MZ_TRUE, MZ_PRED, MASK) == 0.25
    assert masked_zone_error(MZ_TRUE, MZ_PRED, MASK, normalize="all") == 0.25
    assert masked_zone_error(MZ_TRUE, MZ_PRED, MASK, normalize="errors") == 0.5
    assert masked_zone_error(MZ_TRUE, MZ_PRED, MASK, normalize=None) == 2.0
    assert masked_zone_error(MZ_TRUE, MZ_PRED, MASK, normalize=False) == 2.0


def test_masked_zone_error_bool_mask():
    assert masked_zone_error(MZ_TRUE, MZ_PRED, MASK.astype(bool)) == 0.25


def test_masked_zone_error_diagonal_cells():
    # Cell (2, 2) holds two correct samples: counted with "all" and None,
    # but not with "errors", which only looks at misclassified samples.
    mask = MASK.copy()
    mask[2, 2] = 1
    assert masked_zone_error(MZ_TRUE, MZ_PRED, mask) == 0.5
    assert masked_zone_error(MZ_TRUE, MZ_PRED, mask, normalize=None) == 4.0
    assert masked_zone_error(MZ_TRUE, MZ_PRED, mask, normalize="errors") == 0.5


def test_masked_zone_error_no_errors():
    assert masked_zone_error(MZ_TRUE, MZ_TRUE, MASK, normalize="errors") == 0.0
    assert masked_zone_error(MZ_TRUE, MZ_TRUE, MASK) == 0.0


def test_masked_zone_error_string_labels():
    names = np.array(["zebra", "ant", "cat"])
    # Sorted order ant, cat, zebra: cell (zebra, ant) is the only masked cell.
    mask = np.zeros((3, 3))
    mask[2, 0] = 1
    y_true = names[MZ_TRUE]
    y_pred = names[MZ_PRED]
    # (zebra, ant) is the (0, 1) cell of MZ_*, which holds one sample.
    assert masked_zone_error(y_true, y_pred, mask, normalize=None) == 1.0
    # The same cell, with the matrix in the label order zebra, ant, cat.
    mask_labels = np.zeros((3, 3))
    mask_labels[0, 1] = 1
    result = masked_zone_error(
        y_true, y_pred, mask_labels, labels=names, normalize=None
    )
    assert result == 1.0


@pytest.mark.parametrize("normalize", ["all", "errors", None])
def test_masked_zone_error_sample_weight_equals_duplication(normalize):
    rng = np.random.RandomState(1)
    y_true = rng.randint(0, 3, size=40)
    y_pred = rng.randint(0, 3, size=40)
    weights = rng.randint(0, 4, size=40)
    weighted = masked_zone_error(
        y_true, y_pred, MASK, sample_weight=weights, normalize=normalize
    )
    duplicated = masked_zone_error(
        np.repeat(y_true, weights),
        np.repeat(y_pred, weights),
        MASK,
        normalize=normalize,
    )
    assert weighted == pytest.approx(duplicated)


@pytest.mark.parametrize("normalize", [True, "ALL", "none", "true", 0.5])
def test_masked_zone_error_invalid_normalize(normalize):
    with pytest.raises(
        ValueError, match=r"normalize must be 'all', 'errors', None or False, got"
    ):
        masked_zone_error(MZ_TRUE, MZ_PRED, MASK, normalize=normalize)


def test_masked_zone_error_invalid_mask_and_labels():
    with pytest.raises(ValueError, match=r"mask must have shape \(3, 3\)"):
        masked_zone_error(MZ_TRUE, MZ_PRED, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"mask must contain only finite values"):
        masked_zone_error(MZ_TRUE, MZ_PRED, np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match=r"Found labels \[2\] in y_true or y_pred"):
        masked_zone_error(MZ_TRUE, MZ_PRED, np.ones((2, 2)), labels=[0, 1])


# expected_cost

COST2 = np.array([[0.0, 2.0], [4.0, 0.0]])
EC_TRUE = np.array(["a", "b", "b"])
EC_PROBA = np.array([[0.5, 0.5], [0.2, 0.8], [1.0, 0.0]])


def test_expected_cost_by_hand():
    # a: 0.5 * 2 = 1.0; b: 0.2 * 4 = 0.8; b: 1.0 * 4 = 4.0; mean 5.8 / 3.
    assert expected_cost(EC_TRUE, EC_PROBA, COST2) == pytest.approx(5.8 / 3)


def test_expected_cost_sample_weight():
    # Weights 2, 1, 1: (2 * 1.0 + 0.8 + 4.0) / 4 = 1.7.
    result = expected_cost(EC_TRUE, EC_PROBA, COST2, sample_weight=[2, 1, 1])
    assert result == pytest.approx(1.7)
    duplicated = expected_cost(
        np.repeat(EC_TRUE, [2, 1, 1]), np.repeat(EC_PROBA, [2, 1, 1], axis=0), COST2
    )
    assert result == pytest.approx(duplicated)


def test_expected_cost_labels_order():
    result = expected_cost(
        EC_TRUE, EC_PROBA[:, ::-1], COST2[::-1, ::-1], labels=["b", "a"]
    )
    assert result == pytest.approx(5.8 / 3)


def test_expected_cost_one_hot_matches_cost_weighted_error():
    one_hot = (Y_PRED[:, None] == np.array(["a", "b", "c"])).astype(float)
    assert expected_cost(Y_TRUE, one_hot, A) == pytest.approx(
        cost_weighted_error(Y_TRUE, Y_PRED, A)
    )


def test_expected_cost_needs_labels_when_a_class_is_missing():
    # y_true holds only "a" and "b", but y_proba has three columns.
    proba = np.full((3, 3), 1 / 3)
    with pytest.raises(
        ValueError,
        match=r"y_true contains 2 classes but y_proba has 3 columns; pass labels",
    ):
        expected_cost(EC_TRUE, proba, A)
    # a: (1 + 2) / 3, b: (3 + 4) / 3 twice; mean (3 + 7 + 7) / 9.
    result = expected_cost(EC_TRUE, proba, A, labels=["a", "b", "c"])
    assert result == pytest.approx(17 / 9)


def test_expected_cost_invalid_inputs():
    with pytest.raises(ValueError, match=r"labels has 3 entries but y_proba has 2"):
        expected_cost(EC_TRUE, EC_PROBA, A, labels=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"Found labels \['b'\] in y_true"):
        expected_cost(EC_TRUE, EC_PROBA, COST2, labels=["a", "z"])
    with pytest.raises(ValueError, match=r"y_proba must contain non-negative"):
        expected_cost(EC_TRUE, EC_PROBA - 0.5, COST2)
    with pytest.raises(ValueError, match=r"y_proba"):
        expected_cost(EC_TRUE, np.full((3, 2), np.nan), COST2)
    with pytest.raises(ValueError, match=r"Expected 2D array"):
        expected_cost(EC_TRUE, EC_PROBA[:, 0], COST2)
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples"):
        expected_cost(EC_TRUE, EC_PROBA[:2], COST2)
    with pytest.raises(ValueError, match=r"cost_matrix must have shape \(2, 2\)"):
        expected_cost(EC_TRUE, EC_PROBA, A)
    with pytest.raises(ValueError, match=r"The sum of sample_weight is zero"):
        expected_cost(EC_TRUE, EC_PROBA, COST2, sample_weight=np.zeros(3))


# Scorers


@pytest.fixture
def constant_b():
    """A classifier over classes a, b, c that always predicts "b"."""
    X = np.zeros((6, 1))
    return DummyClassifier(strategy="constant", constant="b").fit(X, Y_TRUE)


def test_cost_scorer_is_negated_cost(constant_b):
    y = np.array(["a", "c", "c", "b"])
    X = np.zeros((4, 1))
    # a->b costs 1, c->b costs 6 twice, b->b costs 0: 13 / 4.
    assert make_cost_scorer(A)(constant_b, X, y) == pytest.approx(-13 / 4)
    proba_scorer = make_cost_scorer(A, response_method="predict_proba")
    assert proba_scorer(constant_b, X, y) == pytest.approx(-13 / 4)


def test_cost_scorer_uses_estimator_classes_on_a_fold_missing_a_class(constant_b):
    y = np.array(["a", "a", "b"])  # no "c", and "c" is never predicted
    X = np.zeros((3, 1))
    # Without the estimator's classes, the labels of this fold are only a, b.
    with pytest.raises(ValueError, match=r"must have shape \(2, 2\)"):
        cost_weighted_error(y, constant_b.predict(X), A)
    # a->b costs 1 twice: 2 / 3.
    assert make_cost_scorer(A)(constant_b, X, y) == pytest.approx(-2 / 3)
    masked = make_masked_zone_scorer(MASK)
    assert masked(constant_b, X, y) == pytest.approx(-2 / 3)


def test_scorer_labels_in_another_order(constant_b):
    y = np.array(["a", "c", "c", "b"])
    X = np.zeros((4, 1))
    labels = ["c", "b", "a"]
    A_labels = A[::-1, ::-1]
    for method in ["predict", "predict_proba"]:
        scorer = make_cost_scorer(A_labels, labels=labels, response_method=method)
        assert scorer(constant_b, X, y) == pytest.approx(-13 / 4)
    # A label the estimator does not know gets zero probability.
    A4 = np.pad(A, ((0, 1), (0, 1)), constant_values=9.0)
    scorer = make_cost_scorer(
        A4, labels=["a", "b", "c", "z"], response_method="predict_proba"
    )
    assert scorer(constant_b, X, y) == pytest.approx(-13 / 4)


def test_proba_scorer_rejects_labels_missing_an_estimator_class(constant_b):
    scorer = make_cost_scorer(COST2, labels=["a", "b"], response_method="predict_proba")
    with pytest.raises(ValueError, match=r"lacks the estimator's classes \['c'\]"):
        scorer(constant_b, np.zeros((2, 1)), ["a", "b"])


def test_scorer_matrix_must_match_estimator_classes(constant_b):
    with pytest.raises(ValueError, match=r"cost_matrix must have shape \(3, 3\)"):
        make_cost_scorer(COST2)(constant_b, np.zeros((2, 1)), ["a", "b"])


@pytest.fixture
def binary_problem():
    rng = np.random.RandomState(0)
    X = rng.randn(80, 2)
    y = np.where(X[:, 0] + 0.5 * rng.randn(80) > 0, "yes", "no")
    return X, y, LogisticRegression().fit(X, y)


def test_proba_scorer_binary(binary_problem):
    X, y, clf = binary_problem
    cost = np.array([[0.0, 1.0], [10.0, 0.0]])  # rows/columns: "no", "yes"
    expected = expected_cost(y, clf.predict_proba(X), cost, labels=clf.classes_)
    scorer = make_cost_scorer(cost, response_method="predict_proba")
    assert scorer(clf, X, y) == pytest.approx(-expected)
    reversed_scorer = make_cost_scorer(
        cost[::-1, ::-1], labels=["yes", "no"], response_method="predict_proba"
    )
    assert reversed_scorer(clf, X, y) == pytest.approx(-expected)


def test_scorers_accept_sample_weight(binary_problem):
    X, y, clf = binary_problem
    weights = np.arange(len(y)) % 4
    cost = np.array([[0.0, 1.0], [10.0, 0.0]])
    mask = np.array([[0, 0], [1, 0]])
    y_pred = clf.predict(X)

    scorer = make_cost_scorer(cost)
    expected = cost_weighted_error(y, y_pred, cost, sample_weight=weights)
    assert scorer(clf, X, y, sample_weight=weights) == pytest.approx(-expected)
    duplicated = scorer(clf, np.repeat(X, weights, axis=0), np.repeat(y, weights))
    assert scorer(clf, X, y, sample_weight=weights) == pytest.approx(duplicated)

    proba_scorer = make_cost_scorer(cost, response_method="predict_proba")
    expected = expected_cost(y, clf.predict_proba(X), cost, sample_weight=weights)
    assert proba_scorer(clf, X, y, sample_weight=weights) == pytest.approx(-expected)

    masked = make_masked_zone_scorer(mask, normalize="errors")
    expected = masked_zone_error(
        y, y_pred, mask, normalize="errors", sample_weight=weights
    )
    assert masked(clf, X, y, sample_weight=weights) == pytest.approx(-expected)


def test_scorer_repr():
    assert repr(make_cost_scorer(COST2)) == (
        "make_cost_scorer(cost_matrix=[[0., 2.], [4., 0.]], response_method='predict')"
    )
    assert repr(
        make_cost_scorer(COST2, labels=["b", "a"], response_method="predict_proba")
    ) == (
        "make_cost_scorer(cost_matrix=[[0., 2.], [4., 0.]], labels=['b', 'a'], "
        "response_method='predict_proba')"
    )
    assert repr(make_masked_zone_scorer(np.eye(10), normalize=None)) == (
        "make_masked_zone_scorer(mask=<array of shape (10, 10)>, normalize=None)"
    )


def test_scorer_construction_errors():
    with pytest.raises(
        ValueError, match=r"response_method must be 'predict' or 'predict_proba'"
    ):
        make_cost_scorer(COST2, response_method="decision_function")
    with pytest.raises(ValueError, match=r"cost_matrix must be non-negative"):
        make_cost_scorer(-COST2)
    with pytest.raises(
        ValueError, match=r"cost_matrix must have shape \(3, 3\) for 3 classes"
    ):
        make_cost_scorer(COST2, labels=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"mask must be a square 2-D array"):
        make_masked_zone_scorer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"normalize must be 'all', 'errors'"):
        make_masked_zone_scorer(MASK, normalize="sum")
    with pytest.raises(ValueError, match=r"labels must not contain duplicates"):
        make_masked_zone_scorer(COST2, labels=["a", "a"])


def test_scorer_pickles(constant_b):
    scorer = make_cost_scorer(A, labels=["a", "b", "c"])
    restored = pickle.loads(pickle.dumps(scorer))
    X = np.zeros((4, 1))
    y = np.array(["a", "c", "c", "b"])
    assert restored(constant_b, X, y) == scorer(constant_b, X, y)
    assert repr(restored) == repr(scorer)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X, y = X[:600] / 16.0, y[:600]
    return X, np.array([f"d{digit}" for digit in y])


def test_grid_search_multimetric_refit_on_cost(digits):
    X, y = digits
    classes = np.array([f"d{digit}" for digit in range(10)])
    cost = 1.0 - np.eye(10) + 9.0 * random_mask(10, 20, random_state=0)
    search = GridSearchCV(
        LogisticRegression(max_iter=1000),
        param_grid={"C": [1e-3, 1.0]},
        scoring={
            "cost": make_cost_scorer(cost),
            "expected_cost": make_cost_scorer(cost, response_method="predict_proba"),
            "masked": make_masked_zone_scorer(cost > 1),
            "accuracy": "accuracy",
        },
        refit="cost",
        cv=3,
    ).fit(X, y)

    results = search.cv_results_
    for name in ["cost", "expected_cost", "masked"]:
        assert np.all(results[f"mean_test_{name}"] <= 0)
    assert search.best_index_ == np.argmax(results["mean_test_cost"])
    assert search.best_score_ == results["mean_test_cost"][search.best_index_]
    # A tiny C underfits: it must cost more than C=1.
    assert search.best_params_ == {"C": 1.0}

    best = search.best_estimator_
    assert list(best.classes_) == list(classes)
    expected = cost_weighted_error(y, best.predict(X), cost, labels=best.classes_)
    assert make_cost_scorer(cost)(best, X, y) == pytest.approx(-expected)
    # The same costs given in another label order give the same score.
    order = np.random.RandomState(0).permutation(10)
    cost_in_label_order = cost[np.ix_(order, order)]
    assert_allclose(
        align_penalty_matrix(cost_in_label_order, classes, classes[order]), cost
    )
    scorer = make_cost_scorer(cost_in_label_order, labels=classes[order])
    assert scorer(best, X, y) == pytest.approx(-expected)


def test_cross_validate_masked_zone_scorer(digits):
    X, y = digits
    mask = random_mask(10, 15, random_state=1)
    results = cross_validate(
        LogisticRegression(max_iter=1000),
        X,
        y,
        scoring=make_masked_zone_scorer(mask),
        cv=KFold(3),
        return_estimator=True,
        return_indices=True,
    )
    scores = results["test_score"]
    assert scores.shape == (3,)
    assert np.all((scores <= 0) & (scores >= -1))
    for score, estimator, test in zip(
        scores, results["estimator"], results["indices"]["test"], strict=True
    ):
        expected = masked_zone_error(
            y[test], estimator.predict(X[test]), mask, labels=estimator.classes_
        )
        assert score == pytest.approx(-expected)


def test_cross_validate_with_a_test_fold_missing_a_class():
    rng = np.random.RandomState(0)
    y = np.array(["b", "a", "c"] * 20)
    X = rng.randn(60, 2) + (y == "c")[:, None] * 3.0
    test = np.flatnonzero(y != "c")[:10]  # this test fold has no "c"
    train = np.setdiff1d(np.arange(60), test)
    results = cross_validate(
        LogisticRegression(),
        X,
        y,
        scoring={"cost": make_cost_scorer(A), "masked": make_masked_zone_scorer(MASK)},
        cv=[(train, test)],
        return_estimator=True,
    )
    estimator = results["estimator"][0]
    y_pred = estimator.predict(X[test])
    expected = cost_weighted_error(y[test], y_pred, A, labels=estimator.classes_)
    assert results["test_cost"][0] == pytest.approx(-expected)
    expected = masked_zone_error(y[test], y_pred, MASK, labels=estimator.classes_)
    assert results["test_masked"][0] == pytest.approx(-expected)


def test_scorer_with_metadata_routing():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 2)
    y = np.where(X[:, 0] > 0, "pos", "neg")
    weights = rng.randint(1, 4, size=60).astype(float)
    cost = np.array([[0.0, 1.0], [5.0, 0.0]])
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_cost_scorer(cost).set_score_request(sample_weight=True)
        results = cross_validate(
            LogisticRegression().set_fit_request(sample_weight=False),
            X,
            y,
            scoring={"cost": scorer},
            params={"sample_weight": weights},
            cv=KFold(2),
            return_estimator=True,
            return_indices=True,
        )
    for score, estimator, test in zip(
        results["test_cost"],
        results["estimator"],
        results["indices"]["test"],
        strict=True,
    ):
        expected = cost_weighted_error(
            y[test], estimator.predict(X[test]), cost, sample_weight=weights[test]
        )
        assert score == pytest.approx(-expected)


# --------------------------------------------------------------------------
# matrices that carry their labels: DataFrames and dicts of pairs
# --------------------------------------------------------------------------
def test_labelled_matrices_are_matched_by_label():
    # A DataFrame was read by position (its rows and columns reversed gave a
    # cost of 2 instead of 11) and a dict of pairs raised a TypeError, while
    # the estimators match both by label.
    pd = pytest.importorskip("pandas")
    labels = ["bird", "cat", "dog"]
    y_true = np.array(["cat", "dog", "dog", "bird"])
    y_pred = np.array(["dog", "dog", "cat", "bird"])
    C = pd.DataFrame([[0, 1, 1], [1, 0, 10], [1, 1, 0]], index=labels, columns=labels)
    reversed_ = C.loc[labels[::-1], labels[::-1]]
    for matrix in (C, reversed_, C.to_numpy()):
        assert cost_weighted_error(y_true, y_pred, matrix, normalize=False) == 11.0
    pairs = {("cat", "dog"): 10.0, ("dog", "cat"): 1.0}
    assert cost_weighted_error(y_true, y_pred, pairs, normalize=False) == 11.0
    zone = (reversed_ == 10).astype(int)
    assert masked_zone_error(y_true, y_pred, zone, normalize=None) == 1.0
    assert masked_zone_error(y_true, y_pred, {("cat", "dog"): 1}, normalize=None) == 1
    proba = np.array([[0.2, 0.3, 0.5]] * 4)
    assert expected_cost(y_true, proba, reversed_) == pytest.approx(
        expected_cost(y_true, proba, C.to_numpy())
    )


def test_labelled_matrix_names_labels_absent_from_the_data():
    pd = pytest.importorskip("pandas")
    labels = ["bird", "cat", "dog"]
    C = pd.DataFrame(np.ones((3, 3)) - np.eye(3), index=labels, columns=labels)
    # "bird" is neither true nor predicted: still a row and column of C.
    assert cost_weighted_error(["cat", "dog"], ["dog", "dog"], C) == 0.5
    with pytest.raises(ValueError, match="permutation of classes"):
        cost_weighted_error(["cat", "eel"], ["cat", "cat"], C)


def test_scorers_match_labelled_matrices_to_the_estimator_classes():
    pd = pytest.importorskip("pandas")
    X = np.array([[0.0], [1.0], [2.0], [3.0], [0.1], [1.1], [2.1], [3.1]])
    y = np.array(["bird", "cat", "dog", "dog", "cat", "cat", "bird", "dog"])
    clf = LogisticRegression().fit(X, y)
    labels = ["bird", "cat", "dog"]
    C = pd.DataFrame([[0, 1, 1], [1, 0, 10], [2, 1, 0]], index=labels, columns=labels)
    reversed_ = C.loc[labels[::-1], labels[::-1]]
    for method in ("predict", "predict_proba"):
        expected = make_cost_scorer(C.to_numpy(), response_method=method)(clf, X, y)
        for matrix in (C, reversed_):
            scorer = make_cost_scorer(matrix, response_method=method)
            assert scorer(clf, X, y) == pytest.approx(expected)
            assert "DataFrame of shape (3, 3)" in repr(scorer)
    pairs = {("cat", "dog"): 1.0}
    zone = make_masked_zone_scorer(pairs)
    mask = np.zeros((3, 3))
    mask[1, 2] = 1
    assert zone(clf, X, y) == make_masked_zone_scorer(mask)(clf, X, y)
    assert "('cat', 'dog')" in repr(zone)
    with pytest.raises(ValueError, match="permutation of classes"):
        make_cost_scorer(C, labels=["bird", "cat"])
