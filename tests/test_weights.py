"""Tests for sklimb.weights."""

import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight as sk_compute_class_weight

from sklimb.weights import (
    CLASS_WEIGHT_RULES,
    class_counts,
    compute_class_weight,
    effective_number,
)

# --------------------------------------------------------------------------
# class_counts
# --------------------------------------------------------------------------


def test_class_counts_order_and_absent_classes():
    counts = class_counts([2, 0, 2, 2, 5], classes=[5, 2, 0, 7])
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts, [1, 3, 1, 0])


def test_class_counts_strings_and_column_vector():
    y = np.array([["b"], ["a"], ["b"]])
    np.testing.assert_array_equal(class_counts(y, ["a", "b"]), [1, 2])
    np.testing.assert_array_equal(class_counts([], ["a", "b"]), [0, 0])


def test_class_counts_errors():
    with pytest.raises(ValueError, match=r"not in classes: \[3, 4\]"):
        class_counts([0, 3, 4, 4], classes=[0, 1])
    with pytest.raises(ValueError, match="duplicate labels: \\[1\\]"):
        class_counts([0, 1], classes=[0, 1, 1])
    with pytest.raises(ValueError, match="non-empty 1-dimensional"):
        class_counts([0, 1], classes=[])
    with pytest.raises(ValueError, match="y must be 1-dimensional"):
        class_counts(np.zeros((2, 2)), classes=[0])


# --------------------------------------------------------------------------
# effective_number
# --------------------------------------------------------------------------


def test_effective_number_values():
    np.testing.assert_allclose(
        effective_number([0, 1, 2, 3], beta=0.5), [0.0, 1.0, 1.5, 1.75]
    )
    n = np.array([1, 10, 100, 5000])
    for beta in (0.9, 0.99, 0.999, 0.9999):
        np.testing.assert_allclose(
            effective_number(n, beta), (1 - beta**n) / (1 - beta), rtol=1e-10
        )


def test_effective_number_limits():
    assert effective_number(7, beta=0.0) == 1.0
    assert isinstance(effective_number(7, beta=0.0), float)
    np.testing.assert_array_equal(effective_number([0, 1, 50], 0.0), [0.0, 1.0, 1.0])
    # Saturates at 1 / (1 - beta) for large n ...
    assert effective_number(1e6, 0.9) == pytest.approx(10.0)
    # ... and tends to n when beta -> 1.
    np.testing.assert_allclose(
        effective_number([1, 10, 100], 1 - 1e-9), [1, 10, 100], rtol=1e-6
    )
    out = effective_number(np.ones((2, 3)), 0.5)
    assert out.shape == (2, 3)


@pytest.mark.parametrize("beta", [1.0, -0.1, 2])
def test_effective_number_bad_beta(beta):
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\)"):
        effective_number([1, 2], beta)


def test_effective_number_bad_input():
    with pytest.raises(TypeError, match="beta must be a real number"):
        effective_number([1, 2], "0.9")
    with pytest.raises(ValueError, match="non-negative"):
        effective_number([1, -2], 0.9)


# --------------------------------------------------------------------------
# compute_class_weight: rules
# --------------------------------------------------------------------------


def test_none_gives_ones():
    weights = compute_class_weight(None, classes=["a", "b", "c"])
    assert weights.dtype == np.float64
    np.testing.assert_array_equal(weights, [1.0, 1.0, 1.0])


@pytest.mark.parametrize(
    "y, classes",
    [
        ([0, 0, 0, 1], [0, 1]),
        ([0, 0, 1, 2, 2, 2, 2, 2], [0, 1, 2]),
        ([0, 0, 1, 2, 2, 2, 2, 2], [2, 0, 1]),
        (["x", "y", "y", "z", "z", "z"], ["z", "x", "y"]),
        (np.repeat(np.arange(10), np.arange(1, 11) * 7), np.arange(10)),
    ],
)
def test_balanced_matches_sklearn(y, classes):
    expected = sk_compute_class_weight("balanced", classes=np.asarray(classes), y=y)
    weights = compute_class_weight("balanced", classes=classes, y=y)
    np.testing.assert_allclose(weights, expected, rtol=1e-15)
    counts = class_counts(y, classes)
    from_counts = compute_class_weight("balanced", classes=classes, class_counts=counts)
    np.testing.assert_allclose(from_counts, expected, rtol=1e-15)


def test_balanced_hand_computed():
    # 12 samples, 3 classes with 6, 4 and 2 samples: 12 / (3 * n_c).
    weights = compute_class_weight(
        "balanced", classes=[0, 1, 2], class_counts=[6, 4, 2]
    )
    np.testing.assert_allclose(weights, [12 / 18, 12 / 12, 12 / 6])


def test_inverse_sqrt_hand_computed():
    # 1/sqrt([100, 25, 4]) = [0.1, 0.2, 0.5], sum 0.8, scaled to sum to 3.
    weights = compute_class_weight(
        "inverse_sqrt", classes=["a", "b", "c"], class_counts=[100, 25, 4]
    )
    np.testing.assert_allclose(weights, [0.375, 0.75, 1.875])
    assert weights.sum() == pytest.approx(3.0)
    y = ["a"] * 100 + ["b"] * 25 + ["c"] * 4
    np.testing.assert_allclose(
        compute_class_weight("inverse_sqrt", classes=["a", "b", "c"], y=y), weights
    )


def test_effective_number_hand_computed():
    # beta = 0.5, counts [1, 2]: E = [1, 1.5], 1/E = [1, 2/3], sum 5/3,
    # scaled to sum to 2: [1.2, 0.8].
    weights = compute_class_weight(
        "effective_number", classes=[0, 1], class_counts=[1, 2], beta=0.5
    )
    np.testing.assert_allclose(weights, [1.2, 0.8])


def test_effective_number_matches_paper_formula():
    counts = np.array([5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50])
    beta = 0.9999
    raw = (1 - beta) / (1 - np.power(beta, counts))
    expected = raw / raw.sum() * len(counts)
    weights = compute_class_weight(
        "effective_number", classes=np.arange(10), class_counts=counts, beta=beta
    )
    np.testing.assert_allclose(weights, expected, rtol=1e-10)
    assert weights.sum() == pytest.approx(10.0)
    assert np.all(np.diff(weights) > 0)


def test_effective_number_default_beta():
    counts = np.array([900, 90, 10])
    raw = (1 - 0.999) / (1 - 0.999**counts)
    weights = compute_class_weight(
        "effective_number", classes=[0, 1, 2], class_counts=counts
    )
    np.testing.assert_allclose(weights, raw / raw.sum() * 3, rtol=1e-10)


def test_effective_number_beta_zero_is_uniform():
    weights = compute_class_weight(
        "effective_number", classes=[0, 1, 2], class_counts=[1000, 10, 1], beta=0.0
    )
    np.testing.assert_array_equal(weights, [1.0, 1.0, 1.0])


def test_effective_number_beta_to_one_is_inverse_frequency():
    counts = np.array([1000, 100, 10])
    weights = compute_class_weight(
        "effective_number", classes=[0, 1, 2], class_counts=counts, beta=1 - 1e-9
    )
    inverse = (1 / counts) / (1 / counts).sum() * 3
    np.testing.assert_allclose(weights, inverse, rtol=1e-5)


@pytest.mark.parametrize("rule", CLASS_WEIGHT_RULES)
def test_frequency_rules_uniform_for_balanced_data(rule):
    weights = compute_class_weight(rule, classes=[0, 1, 2, 3], class_counts=[5] * 4)
    np.testing.assert_allclose(weights, [1.0] * 4)


@pytest.mark.parametrize("rule", CLASS_WEIGHT_RULES)
def test_frequency_rules_favor_rare_classes(rule):
    weights = compute_class_weight(rule, classes=[0, 1, 2], y=[0] * 50 + [1] * 5 + [2])
    assert weights[0] < weights[1] < weights[2]


# --------------------------------------------------------------------------
# compute_class_weight: explicit weights
# --------------------------------------------------------------------------


def test_dict_weights():
    weights = compute_class_weight({"b": 3.0, "c": 0}, classes=["a", "b", "c"])
    np.testing.assert_array_equal(weights, [1.0, 3.0, 0.0])
    weights = compute_class_weight({np.int64(1): 2, 2: 0.5}, classes=np.arange(3))
    np.testing.assert_array_equal(weights, [1.0, 2.0, 0.5])
    # y and class_counts are ignored.
    weights = compute_class_weight({}, classes=[0, 1], y=[0, 0, 0])
    np.testing.assert_array_equal(weights, [1.0, 1.0])


def test_dict_unknown_labels():
    with pytest.raises(ValueError, match=r"not in classes: \['d', 'e'\]"):
        compute_class_weight({"a": 1, "d": 2, "e": 3}, classes=["a", "b"])


@pytest.mark.parametrize(
    "value, error, match",
    [
        (-1.0, ValueError, "non-negative"),
        (float("nan"), ValueError, "finite"),
        (float("inf"), ValueError, "finite"),
        ("2", TypeError, r"class_weight\[1\] must be a real number"),
        (None, TypeError, r"class_weight\[1\] must be a real number"),
    ],
)
def test_dict_bad_values(value, error, match):
    with pytest.raises(error, match=match):
        compute_class_weight({1: value}, classes=[0, 1])


def test_array_weights():
    for spec in ([0.5, 2, 0], np.array([0.5, 2, 0]), (0.5, 2, 0)):
        weights = compute_class_weight(spec, classes=["x", "y", "z"])
        assert weights.dtype == np.float64
        np.testing.assert_array_equal(weights, [0.5, 2.0, 0.0])
    spec = np.array([1.0, 2.0])
    weights = compute_class_weight(spec, classes=[0, 1])
    weights[0] = 10.0
    assert spec[0] == 1.0  # the input is not modified


@pytest.mark.parametrize(
    "spec, error, match",
    [
        ([1.0, 2.0], ValueError, r"shape \(3,\).*got shape \(2,\)"),
        ([[1.0, 2.0, 3.0]], ValueError, r"shape \(3,\)"),
        ([1.0, -2.0, 3.0], ValueError, "non-negative"),
        ([1.0, np.inf, 3.0], ValueError, "finite"),
        ([1.0, np.nan, 3.0], ValueError, "finite"),
        (["a", "b", "c"], TypeError, "array-like of numbers"),
        (3, TypeError, "class_weight must be None"),
        (2.5, TypeError, "class_weight must be None"),
        (object(), TypeError, "class_weight must be None"),
    ],
)
def test_array_errors(spec, error, match):
    with pytest.raises(error, match=match):
        compute_class_weight(spec, classes=[0, 1, 2])


# --------------------------------------------------------------------------
# compute_class_weight: errors
# --------------------------------------------------------------------------


def test_unknown_rule_lists_options():
    with pytest.raises(ValueError, match="Unknown class_weight 'auto'") as exc:
        compute_class_weight("auto", classes=[0, 1], y=[0, 1])
    for rule in CLASS_WEIGHT_RULES:
        assert repr(rule) in str(exc.value)


@pytest.mark.parametrize("rule", CLASS_WEIGHT_RULES)
def test_needs_exactly_one_of_y_and_counts(rule):
    with pytest.raises(ValueError, match="exactly one of y and class_counts.*neither"):
        compute_class_weight(rule, classes=[0, 1])
    with pytest.raises(ValueError, match="exactly one of y and class_counts.*both"):
        compute_class_weight(rule, classes=[0, 1], y=[0, 1], class_counts=[1, 1])


@pytest.mark.parametrize("rule", CLASS_WEIGHT_RULES)
def test_absent_class_is_an_error(rule):
    with pytest.raises(ValueError, match=r"infinite\): \['cat'\]"):
        compute_class_weight(rule, classes=["cat", "dog"], y=["dog", "dog"])
    with pytest.raises(ValueError, match=r"infinite\): \[2\]"):
        compute_class_weight(rule, classes=[1, 2], class_counts=[3, 0])


def test_labels_of_y_must_be_in_classes():
    with pytest.raises(ValueError, match=r"not in classes: \[9\]"):
        compute_class_weight("balanced", classes=[0, 1], y=[0, 1, 9])


@pytest.mark.parametrize(
    "counts, error, match",
    [
        ([1, 2, 3], ValueError, r"class_counts must have shape \(2,\)"),
        ([1, -2], ValueError, "non-negative"),
        ([1, np.nan], ValueError, "finite"),
        (["1", "2"], TypeError, "class_counts must be numeric"),
    ],
)
def test_bad_class_counts(counts, error, match):
    with pytest.raises(error, match=match):
        compute_class_weight("balanced", classes=[0, 1], class_counts=counts)


@pytest.mark.parametrize("beta", [1.0, 1.5, -0.5])
def test_bad_beta(beta):
    with pytest.raises(ValueError, match="beta must be in"):
        compute_class_weight(
            "effective_number", classes=[0, 1], class_counts=[1, 2], beta=beta
        )
    # beta is only used by the effective-number rule.
    compute_class_weight("balanced", classes=[0, 1], class_counts=[1, 2], beta=beta)


def test_bad_classes():
    with pytest.raises(ValueError, match=r"duplicate labels: \['a'\]"):
        compute_class_weight(None, classes=["a", "b", "a"])
    with pytest.raises(ValueError, match="classes is required"):
        compute_class_weight(None, classes=None)
    with pytest.raises(ValueError, match="non-empty 1-dimensional"):
        compute_class_weight(None, classes=[[0, 1]])


def test_a_series_of_class_weights_is_matched_by_label():
    # It was read by position: the up-weighted class went to another label.
    pd = pytest.importorskip("pandas")
    classes = ["setosa", "versicolor", "virginica"]
    series = pd.Series({"virginica": 10.0, "setosa": 1.0, "versicolor": 1.0})
    np.testing.assert_array_equal(
        compute_class_weight(series, classes=classes), [1.0, 1.0, 10.0]
    )
