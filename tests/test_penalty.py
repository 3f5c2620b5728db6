import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklimb.penalty import (
    align_penalty_matrix,
    check_penalty_matrix,
    penalty_matrix_from_pairs,
    random_mask,
    zero_one_matrix,
)

# A matrix in the label order ["dog", "cat", "bird"] and the same matrix in the
# sorted order ["bird", "cat", "dog"] (rows and columns both permuted).
LABELS = ["dog", "cat", "bird"]
CLASSES = ["bird", "cat", "dog"]
A_LABELS = np.array(
    [
        [0.0, 1.0, 2.0],  # true dog
        [3.0, 0.0, 4.0],  # true cat
        [5.0, 6.0, 0.0],  # true bird
    ]
)
A_CLASSES = np.array(
    [
        [0.0, 6.0, 5.0],  # true bird
        [4.0, 0.0, 3.0],  # true cat
        [2.0, 1.0, 0.0],  # true dog
    ]
)


# check_penalty_matrix


def test_check_penalty_matrix_returns_float_copy():
    A = np.array([[0, 1], [2, 0]])
    checked = check_penalty_matrix(A)
    assert checked.dtype == np.float64
    assert_array_equal(checked, [[0.0, 1.0], [2.0, 0.0]])

    A_float = np.array([[0.0, 1.0], [2.0, 0.0]])
    checked = check_penalty_matrix(A_float)
    assert not np.shares_memory(checked, A_float)
    checked[0, 1] = 99.0
    assert A_float[0, 1] == 1.0


def test_check_penalty_matrix_accepts_bool_mask_and_lists():
    mask = np.array([[False, True], [True, False]])
    assert_array_equal(check_penalty_matrix(mask), [[0.0, 1.0], [1.0, 0.0]])
    assert_array_equal(check_penalty_matrix([[0, 2.5], [1, 0]]), [[0, 2.5], [1, 0]])


def test_check_penalty_matrix_n_classes():
    assert check_penalty_matrix(np.zeros((3, 3)), n_classes=3).shape == (3, 3)
    with pytest.raises(
        ValueError,
        match=r"penalty_matrix must have shape \(4, 4\) for 4 classes, "
        r"got shape \(3, 3\)",
    ):
        check_penalty_matrix(np.zeros((3, 3)), n_classes=4)


@pytest.mark.parametrize("shape", [(3, 4), (3,), (2, 2, 2), ()])
def test_check_penalty_matrix_not_square(shape):
    expected = f"penalty_matrix must be a square 2-D array, got shape {shape}."
    with pytest.raises(ValueError, match=re.escape(expected)):
        check_penalty_matrix(np.zeros(shape))


def test_check_penalty_matrix_empty():
    with pytest.raises(ValueError, match=r"penalty_matrix must not be empty"):
        check_penalty_matrix(np.zeros((0, 0)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_check_penalty_matrix_non_finite(bad):
    A = np.zeros((2, 2))
    A[0, 1] = bad
    with pytest.raises(
        ValueError, match=r"penalty_matrix must contain only finite values.*\(0, 1\)"
    ):
        check_penalty_matrix(A)


def test_check_penalty_matrix_negative():
    with pytest.raises(
        ValueError, match=r"penalty_matrix must be non-negative.*\[\(1, 0\)\]"
    ):
        check_penalty_matrix([[0, 1], [-1, 0]])


@pytest.mark.parametrize("bad", [None, [["a", "b"], ["c", "d"]], {"a": 1}, [[0, 1j]]])
def test_check_penalty_matrix_not_numeric(bad):
    with pytest.raises(TypeError, match=r"penalty_matrix must be an array-like"):
        check_penalty_matrix(bad)


def test_check_penalty_matrix_uses_name():
    with pytest.raises(ValueError, match=r"^cost_matrix must be non-negative"):
        check_penalty_matrix([[0, -2], [1, 0]], name="cost_matrix")
    with pytest.raises(TypeError, match=r"^mask must be an array-like"):
        check_penalty_matrix(None, name="mask")


# random_mask


@pytest.mark.parametrize(
    "n_classes, n_cells", [(2, 0), (2, 1), (2, 2), (5, 7), (10, 20), (10, 90)]
)
def test_random_mask_exact_count_off_diagonal(n_classes, n_cells):
    mask = random_mask(n_classes, n_cells, random_state=0)
    assert mask.shape == (n_classes, n_classes)
    assert mask.dtype == np.float64
    assert set(np.unique(mask)) <= {0.0, 1.0}
    assert mask.sum() == n_cells
    assert_array_equal(np.diag(mask), np.zeros(n_classes))


def test_random_mask_full_and_empty():
    assert_array_equal(random_mask(4, 12, random_state=0), 1 - np.eye(4))
    assert_array_equal(random_mask(4, 0, random_state=0), np.zeros((4, 4)))


def test_random_mask_reproducible():
    first = random_mask(10, 20, random_state=42)
    assert_array_equal(first, random_mask(10, 20, random_state=42))
    assert_array_equal(
        first, random_mask(10, 20, random_state=np.random.RandomState(42))
    )
    assert not np.array_equal(first, random_mask(10, 20, random_state=43))


def test_random_mask_covers_all_cells():
    # Over many draws of a single cell, every off-diagonal cell gets picked.
    rng = np.random.RandomState(0)
    total = sum(random_mask(3, 1, random_state=rng) for _ in range(200))
    assert np.all(total[~np.eye(3, dtype=bool)] > 0)
    assert_array_equal(np.diag(total), np.zeros(3))


@pytest.mark.parametrize("n_classes", [1, 0, -3, 2.5, True, "3", None])
def test_random_mask_bad_n_classes(n_classes):
    with pytest.raises(ValueError, match=r"n_classes must be an integer >= 2"):
        random_mask(n_classes, 1)


@pytest.mark.parametrize("n_cells", [-1, 7, 1.5, True, None])
def test_random_mask_bad_n_cells(n_cells):
    with pytest.raises(
        ValueError,
        match=r"n_cells must be an integer in \[0, 6\].*n_classes=3",
    ):
        random_mask(3, n_cells)


# zero_one_matrix


def test_zero_one_matrix():
    assert_array_equal(zero_one_matrix(3), 1 - np.eye(3))
    assert_array_equal(zero_one_matrix(2, cost=2.5), [[0.0, 2.5], [2.5, 0.0]])
    assert zero_one_matrix(4).dtype == np.float64


def test_zero_one_matrix_errors():
    with pytest.raises(ValueError, match=r"n_classes must be an integer >= 2"):
        zero_one_matrix(1)
    with pytest.raises(ValueError, match=r"cost must be finite and non-negative"):
        zero_one_matrix(3, cost=-1.0)
    with pytest.raises(ValueError, match=r"cost must be finite and non-negative"):
        zero_one_matrix(3, cost=np.inf)
    with pytest.raises(TypeError, match=r"cost must be a real number"):
        zero_one_matrix(3, cost="1")


# penalty_matrix_from_pairs


def test_from_pairs_dict_with_unsorted_string_classes():
    pairs = {
        ("dog", "cat"): 1,
        ("dog", "bird"): 2,
        ("cat", "dog"): 3,
        ("cat", "bird"): 4,
        ("bird", "dog"): 5,
        ("bird", "cat"): 6,
    }
    assert_array_equal(penalty_matrix_from_pairs(pairs, LABELS), A_LABELS)
    assert_array_equal(penalty_matrix_from_pairs(pairs, CLASSES), A_CLASSES)


def test_from_pairs_triples_default_and_diagonal():
    triples = [("a", "b", 3.0), ("c", "c", 0.5)]
    result = penalty_matrix_from_pairs(triples, classes=["a", "b", "c"], default=1.0)
    # Unset off-diagonal cells get the default, unset diagonal cells stay zero.
    assert_array_equal(
        result,
        [
            [0.0, 3.0, 1.0],
            [1.0, 0.0, 1.0],
            [1.0, 1.0, 0.5],
        ],
    )
    assert result.dtype == np.float64


def test_from_pairs_integer_labels_and_generator():
    pairs = ((t, p, 2.0) for t, p in [(1, 0), (0, 2)])
    result = penalty_matrix_from_pairs(pairs, classes=np.array([2, 0, 1]))
    # Rows and columns in the order 2, 0, 1.
    assert_array_equal(result, [[0, 0, 0], [2, 0, 0], [0, 2, 0]])


def test_from_pairs_unknown_label():
    with pytest.raises(
        ValueError,
        match=r"Unknown label 'fish' in pairs; known classes are "
        r"\['dog', 'cat', 'bird'\]",
    ):
        penalty_matrix_from_pairs({("dog", "fish"): 1.0}, LABELS)


@pytest.mark.parametrize("cost", [-1.0, np.nan, np.inf])
def test_from_pairs_bad_cost(cost):
    with pytest.raises(
        ValueError,
        match=r"The cost of pair \('a', 'b'\) must be finite and non-negative",
    ):
        penalty_matrix_from_pairs([("a", "b", cost)], ["a", "b"])


def test_from_pairs_non_numeric_cost():
    with pytest.raises(TypeError, match=r"The cost of pair .* must be a real number"):
        penalty_matrix_from_pairs({("a", "b"): "high"}, ["a", "b"])


def test_from_pairs_bad_default():
    with pytest.raises(ValueError, match=r"default must be finite and non-negative"):
        penalty_matrix_from_pairs({}, ["a", "b"], default=-1)


def test_from_pairs_duplicate_cell():
    with pytest.raises(ValueError, match=r"more than once"):
        penalty_matrix_from_pairs([("a", "b", 1), ("a", "b", 2)], ["a", "b"])


def test_from_pairs_malformed():
    with pytest.raises(ValueError, match=r"pairs keys must be"):
        penalty_matrix_from_pairs({"a": 1.0}, ["a", "b"])
    with pytest.raises(ValueError, match=r"pairs items must be"):
        penalty_matrix_from_pairs([("a", "b")], ["a", "b"])
    with pytest.raises(ValueError, match=r"pairs items must be"):
        penalty_matrix_from_pairs([5], ["a", "b"])
    with pytest.raises(TypeError, match=r"pairs must be a dict"):
        penalty_matrix_from_pairs("abc", ["a", "b"])
    with pytest.raises(TypeError, match=r"pairs must be a dict"):
        penalty_matrix_from_pairs(3, ["a", "b"])


def test_from_pairs_bad_classes():
    with pytest.raises(ValueError, match=r"classes must not contain duplicates"):
        penalty_matrix_from_pairs({}, ["a", "b", "a"])
    with pytest.raises(ValueError, match=r"classes must be a non-empty 1-D"):
        penalty_matrix_from_pairs({}, [])


# align_penalty_matrix


def test_align_reorders_unsorted_string_labels():
    result = align_penalty_matrix(A_LABELS, CLASSES, labels=LABELS)
    assert_array_equal(result, A_CLASSES)
    # Cell by cell: the cost of (true, predicted) is preserved.
    for i, true in enumerate(LABELS):
        for j, pred in enumerate(LABELS):
            assert result[CLASSES.index(true), CLASSES.index(pred)] == A_LABELS[i, j]


def test_align_without_labels_is_validated_copy():
    A = np.array([[0, 1], [2, 0]])
    result = align_penalty_matrix(A, classes=["x", "y"])
    assert_array_equal(result, A)
    assert result.dtype == np.float64


def test_align_integer_labels():
    A = np.array([[0, 1, 2], [3, 0, 4], [5, 6, 0]])
    result = align_penalty_matrix(A, classes=np.array([0, 1, 2]), labels=[2, 1, 0])
    assert_array_equal(result, A[::-1, ::-1])


def test_align_dataframe():
    pd = pytest.importorskip("pandas")
    # Rows (true labels) and columns (predicted labels) in different orders.
    frame = pd.DataFrame(A_LABELS, index=LABELS, columns=LABELS)
    frame = frame[["cat", "bird", "dog"]]
    assert_array_equal(align_penalty_matrix(frame, CLASSES), A_CLASSES)


def test_align_dataframe_errors():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(A_LABELS, index=LABELS, columns=LABELS)
    with pytest.raises(ValueError, match=r"labels must be None when penalty_matrix"):
        align_penalty_matrix(frame, CLASSES, labels=LABELS)
    wrong_columns = pd.DataFrame(A_LABELS, index=LABELS, columns=["dog", "cat", "fish"])
    with pytest.raises(
        ValueError,
        match=r"The DataFrame columns must be a permutation of classes.*"
        r"missing classes \['bird'\] and unknown labels \['fish'\]",
    ):
        align_penalty_matrix(wrong_columns, CLASSES)


def test_align_dict():
    pairs = {("dog", "cat"): 1.0, ("bird", "dog"): 5.0}
    expected = np.zeros((3, 3))
    expected[2, 1] = 1.0  # dog -> cat
    expected[0, 2] = 5.0  # bird -> dog
    assert_array_equal(align_penalty_matrix(pairs, CLASSES), expected)
    with pytest.raises(ValueError, match=r"labels must be None .* a dict of pairs"):
        align_penalty_matrix(pairs, CLASSES, labels=LABELS)


def test_align_labels_not_a_permutation():
    with pytest.raises(
        ValueError,
        match=r"^labels must be a permutation of classes \['bird', 'cat', 'dog'\]; "
        r"got missing classes \['bird'\] and unknown labels \['fish'\]\.$",
    ):
        align_penalty_matrix(A_LABELS, CLASSES, labels=["dog", "cat", "fish"])
    with pytest.raises(ValueError, match=r"got missing classes \['bird'\]\.$"):
        align_penalty_matrix(A_LABELS, CLASSES, labels=["dog", "cat"])
    with pytest.raises(ValueError, match=r"labels must not contain duplicates"):
        align_penalty_matrix(A_LABELS, CLASSES, labels=["dog", "cat", "cat"])


def test_align_superset_labels_refused():
    # A matrix over more labels than classes is refused, not silently cropped.
    with pytest.raises(
        ValueError, match=r"must have shape \(3, 3\) for 3 classes, got shape \(4, 4\)"
    ):
        align_penalty_matrix(
            np.zeros((4, 4)), CLASSES, labels=["dog", "cat", "bird", "fish"]
        )


def test_align_validates_values():
    with pytest.raises(ValueError, match=r"penalty_matrix must be non-negative"):
        align_penalty_matrix([[0, -1], [1, 0]], ["a", "b"], labels=["b", "a"])


def test_check_penalty_matrix_checks_n_classes_and_takes_sparse_matrices():
    import scipy.sparse as sp

    with pytest.raises(ValueError, match="n_classes must be a positive integer"):
        check_penalty_matrix(np.zeros((2, 2)), "2")
    with pytest.raises(ValueError, match="n_classes must be a positive integer"):
        check_penalty_matrix(np.zeros((2, 2)), 2.0)
    dense = np.array([[0.0, 1.0], [3.0, 0.0]])
    np.testing.assert_array_equal(check_penalty_matrix(sp.csr_matrix(dense), 2), dense)


def test_unknown_labels_of_another_type_are_told_so():
    # String keys against integer classes got only the hint about
    # meta-estimators re-encoding labels, not the type mismatch (both can be
    # the cause when the classes are 0..K-1).
    with pytest.raises(ValueError, match="different types.*re-encoded"):
        penalty_matrix_from_pairs({("2", "1"): 5.0}, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="different types") as info:
        penalty_matrix_from_pairs({("2", "1"): 5.0}, classes=[1, 2, 3])
    assert "re-encoded" not in str(info.value)
    with pytest.raises(ValueError, match="re-encoded") as info:
        penalty_matrix_from_pairs({(7, 1): 5.0}, classes=[0, 1, 2])
    assert "different types" not in str(info.value)
