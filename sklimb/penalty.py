"""Penalty (cost) matrices: build them, align them to classes and validate them.

A penalty matrix ``A`` has shape ``(n_classes, n_classes)`` and ``A[i, j]`` is
the cost of predicting class ``j`` when the true class is ``i``. Entries are
finite and non-negative. A mask is a 0/1 (or boolean) matrix of the same shape
that marks the (true, predicted) cells whose errors should be avoided: the
"masked zone".
"""

import numbers
from collections import Counter
from collections.abc import Mapping

import numpy as np
from sklearn.utils import check_random_state

__all__ = [
    "align_penalty_matrix",
    "check_penalty_matrix",
    "penalty_matrix_from_pairs",
    "random_mask",
    "zero_one_matrix",
]


def check_penalty_matrix(penalty_matrix, n_classes=None, *, name="penalty_matrix"):
    """Validate a penalty matrix and return it as a new float64 array.

    Parameters
    ----------
    penalty_matrix : array-like of shape (n_classes, n_classes)
        Penalty matrix; ``penalty_matrix[i, j]`` is the cost of predicting
        class ``j`` when the true class is ``i``. Boolean masks are accepted
        and converted to 0/1 values, scipy sparse matrices to dense ones.

    n_classes : int, default=None
        Expected number of classes. If None, any square shape is accepted.

    name : str, default="penalty_matrix"
        Name of the parameter, used in error messages.

    Returns
    -------
    penalty_matrix : ndarray of shape (n_classes, n_classes)
        A float64 copy of the validated matrix.

    Raises
    ------
    TypeError
        If ``penalty_matrix`` cannot be converted to an array of floats.

    ValueError
        If the matrix is not square, does not have ``n_classes`` rows, or has
        non-finite or negative entries.

    Examples
    --------
    >>> from sklimb.penalty import check_penalty_matrix
    >>> check_penalty_matrix([[0, 1], [5, 0]])
    array([[0., 1.],
           [5., 0.]])
    >>> check_penalty_matrix([[False, True], [False, False]])
    array([[0., 1.],
           [0., 0.]])
    """
    if penalty_matrix is None:
        raise TypeError(f"{name} must be an array-like of numbers, got None.")
    if n_classes is not None and (
        not isinstance(n_classes, numbers.Integral)
        or isinstance(n_classes, bool)
        or n_classes < 1
    ):
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}.")
    if hasattr(penalty_matrix, "toarray"):  # a scipy sparse matrix or array
        penalty_matrix = penalty_matrix.toarray()
    try:
        matrix = np.array(penalty_matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be an array-like of numbers convertible to float, "
            f"got {type(penalty_matrix).__name__}: {exc}"
        ) from exc

    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(
            f"{name} must be a square 2-D array, got shape {matrix.shape}."
        )
    if matrix.shape[0] == 0:
        raise ValueError(f"{name} must not be empty, got shape {matrix.shape}.")
    if n_classes is not None and matrix.shape[0] != n_classes:
        raise ValueError(
            f"{name} must have shape ({n_classes}, {n_classes}) for "
            f"{n_classes} classes, got shape {matrix.shape}."
        )

    non_finite = ~np.isfinite(matrix)
    if non_finite.any():
        raise ValueError(
            f"{name} must contain only finite values, got NaN or infinity at "
            f"(true, predicted) cells {_cells(non_finite)}."
        )
    negative = matrix < 0
    if negative.any():
        raise ValueError(
            f"{name} must be non-negative, got negative values at "
            f"(true, predicted) cells {_cells(negative)}."
        )
    return matrix


def random_mask(n_classes, n_cells, random_state=None):
    """Draw a random mask of ``n_cells`` distinct off-diagonal cells.

    This is the random masked zone of the bilinear-loss experiments: a 0/1
    matrix with exactly ``n_cells`` off-diagonal entries set to one, chosen
    uniformly at random without replacement. The diagonal is always zero.

    Parameters
    ----------
    n_classes : int
        Number of classes, at least 2.

    n_cells : int
        Number of off-diagonal cells to set, between 0 and
        ``n_classes * (n_classes - 1)``.

    random_state : int, RandomState instance or None, default=None
        Controls the choice of cells. Pass an int for reproducible output.

    Returns
    -------
    mask : ndarray of shape (n_classes, n_classes)
        Float64 matrix of zeros and ones.

    Examples
    --------
    >>> import numpy as np
    >>> from sklimb.penalty import random_mask
    >>> mask = random_mask(4, 3, random_state=0)
    >>> mask.shape, int(mask.sum()), int(np.trace(mask))
    ((4, 4), 3, 0)
    """
    _check_n_classes(n_classes)
    n_off_diagonal = n_classes * (n_classes - 1)
    if (
        not isinstance(n_cells, numbers.Integral)
        or isinstance(n_cells, bool)
        or not 0 <= n_cells <= n_off_diagonal
    ):
        raise ValueError(
            f"n_cells must be an integer in [0, {n_off_diagonal}] (the number of "
            f"off-diagonal cells for n_classes={n_classes}), got {n_cells!r}."
        )
    rng = check_random_state(random_state)
    off_diagonal = np.flatnonzero(~np.eye(n_classes, dtype=bool))
    chosen = rng.choice(off_diagonal, size=int(n_cells), replace=False)
    mask = np.zeros(n_classes * n_classes)
    mask[chosen] = 1.0
    return mask.reshape(n_classes, n_classes)


def zero_one_matrix(n_classes, *, cost=1.0):
    """Build a uniform penalty matrix: ``cost`` off the diagonal, zero on it.

    Parameters
    ----------
    n_classes : int
        Number of classes, at least 2.

    cost : float, default=1.0
        Cost of every misclassification. Must be finite and non-negative.

    Returns
    -------
    penalty_matrix : ndarray of shape (n_classes, n_classes)
        Float64 penalty matrix.

    Examples
    --------
    >>> from sklimb.penalty import zero_one_matrix
    >>> zero_one_matrix(3)
    array([[0., 1., 1.],
           [1., 0., 1.],
           [1., 1., 0.]])
    """
    _check_n_classes(n_classes)
    cost = _check_cost(cost, name="cost")
    return cost * (1.0 - np.eye(n_classes))


def penalty_matrix_from_pairs(pairs, classes, default=0.0):
    """Build a penalty matrix from (true label, predicted label) costs.

    Parameters
    ----------
    pairs : dict or iterable of tuples
        Either a dict ``{(true_label, predicted_label): cost}`` or an iterable
        of ``(true_label, predicted_label, cost)`` triples. Each cell may be
        given at most once. Diagonal cells may be set explicitly.

    classes : array-like of shape (n_classes,)
        Class labels, in the order of the rows and columns of the result, for
        instance a fitted estimator's ``classes_``.

    default : float, default=0.0
        Cost of the off-diagonal cells that ``pairs`` does not set. Diagonal
        cells that ``pairs`` does not set are zero.

    Returns
    -------
    penalty_matrix : ndarray of shape (n_classes, n_classes)
        Float64 penalty matrix in the order of ``classes``.

    Examples
    --------
    >>> from sklimb.penalty import penalty_matrix_from_pairs
    >>> penalty_matrix_from_pairs(
    ...     {("cat", "dog"): 2.0, ("dog", "cat"): 5.0}, classes=["cat", "dog"]
    ... )
    array([[0., 2.],
           [5., 0.]])
    >>> penalty_matrix_from_pairs([("b", "a", 3)], classes=["a", "b"], default=1)
    array([[0., 1.],
           [3., 0.]])
    """
    classes = _check_classes(classes)
    default = _check_cost(default, name="default")
    n_classes = len(classes)
    position = {label: i for i, label in enumerate(classes.tolist())}

    matrix = default * (1.0 - np.eye(n_classes))
    seen = set()
    for true_label, predicted_label, cost in _iter_pairs(pairs):
        cell = []
        for label in (true_label, predicted_label):
            if label not in position:
                raise ValueError(
                    f"Unknown label {label!r} in pairs; known classes are "
                    f"{classes.tolist()}.{_reencoding_hint(classes, [label])}"
                )
            cell.append(position[label])
        cell = tuple(cell)
        if cell in seen:
            raise ValueError(
                f"pairs sets the cell (true={true_label!r}, "
                f"predicted={predicted_label!r}) more than once."
            )
        seen.add(cell)
        matrix[cell] = _check_cost(
            cost, name=f"The cost of pair ({true_label!r}, {predicted_label!r})"
        )
    return check_penalty_matrix(matrix, n_classes)


def align_penalty_matrix(penalty_matrix, classes, labels=None):
    """Reorder a penalty matrix given in label order to the order of ``classes``.

    Parameters
    ----------
    penalty_matrix : array-like of shape (n_classes, n_classes), DataFrame or dict
        The penalty matrix, in one of three forms:

        - an array-like whose rows and columns follow ``labels`` (or
          ``classes`` when ``labels`` is None);
        - a pandas DataFrame whose index holds the true labels and whose
          columns hold the predicted labels, in any order;
        - a dict ``{(true_label, predicted_label): cost}``, passed to
          :func:`penalty_matrix_from_pairs`.

    classes : array-like of shape (n_classes,)
        Target order of the rows and columns, for instance a fitted
        estimator's ``classes_``.

    labels : array-like of shape (n_classes,), default=None
        Class labels of the rows and columns of an array-like
        ``penalty_matrix``. Must be a permutation of ``classes``. If None, the
        matrix is assumed to be in the order of ``classes`` already. Must be
        None for DataFrame and dict input, which carry their own labels.

    Returns
    -------
    penalty_matrix : ndarray of shape (n_classes, n_classes)
        Validated float64 penalty matrix in the order of ``classes``.

    Examples
    --------
    >>> from sklimb.penalty import align_penalty_matrix
    >>> A = [[0, 1, 2],
    ...      [3, 0, 4],
    ...      [5, 6, 0]]
    >>> align_penalty_matrix(A, classes=["bird", "cat", "dog"],
    ...                      labels=["dog", "cat", "bird"])
    array([[0., 6., 5.],
           [4., 0., 3.],
           [2., 1., 0.]])
    """
    classes = _check_classes(classes)
    n_classes = len(classes)

    if isinstance(penalty_matrix, Mapping):
        _check_no_labels(labels, "a dict of pairs")
        return penalty_matrix_from_pairs(penalty_matrix, classes)

    if hasattr(penalty_matrix, "columns") and hasattr(penalty_matrix, "index"):
        _check_no_labels(labels, "a DataFrame")
        # Labels first: a DataFrame of other classes is told which ones.
        rows = _permutation(penalty_matrix.index, classes, name="The DataFrame index")
        columns = _permutation(
            penalty_matrix.columns, classes, name="The DataFrame columns"
        )
        matrix = check_penalty_matrix(penalty_matrix, n_classes)
        return matrix[np.ix_(rows, columns)]

    matrix = check_penalty_matrix(penalty_matrix, n_classes)
    if labels is None:
        return matrix
    order = _permutation(labels, classes, name="labels")
    return matrix[np.ix_(order, order)]


def _cells(flags):
    """List the (row, column) cells where ``flags`` is True, as Python ints."""
    return [(int(i), int(j)) for i, j in np.argwhere(flags)]


def _check_n_classes(n_classes):
    if (
        not isinstance(n_classes, numbers.Integral)
        or isinstance(n_classes, bool)
        or n_classes < 2
    ):
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}.")


def _check_cost(cost, *, name):
    """Return ``cost`` as a float after checking it is finite and non-negative."""
    if isinstance(cost, bool) or not isinstance(cost, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {cost!r}.")
    if not np.isfinite(cost) or cost < 0:
        raise ValueError(f"{name} must be finite and non-negative, got {cost!r}.")
    return float(cost)


def _check_classes(classes, name="classes"):
    """Return ``classes`` as a 1-D array after checking it is non-empty and unique."""
    classes = np.asarray(classes)
    if classes.ndim != 1 or classes.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D array-like of class labels, "
            f"got shape {classes.shape}."
        )
    duplicates = [
        label for label, count in Counter(classes.tolist()).items() if count > 1
    ]
    if duplicates:
        raise ValueError(f"{name} must not contain duplicates, got {duplicates}.")
    return classes


def _check_no_labels(labels, kind):
    if labels is not None:
        raise ValueError(
            f"labels must be None when penalty_matrix is {kind}, which carries "
            f"its own labels; got labels={labels!r}."
        )


def _reencoding_hint(classes, unknown=()):
    """Why ``unknown`` labels may not be among ``classes``."""
    classes = np.asarray(classes)
    kinds = {isinstance(label, str) for label in unknown}
    hint = ""
    if kinds and kinds != {classes.dtype.kind in "US"}:
        hint = (
            " The unknown labels and the classes are of different types "
            "(strings and numbers): give the labels as the classes are, e.g. "
            f"{classes.tolist()[0]!r}."
        )
    if classes.dtype.kind not in "iu" or not np.array_equal(
        classes, np.arange(len(classes))
    ):
        return hint
    return hint + (
        " The classes are 0..K-1: a meta-estimator (VotingClassifier, "
        "StackingClassifier, BaggingClassifier, cross_val_predict with "
        "method='predict_proba') may have re-encoded the labels before fitting "
        "this estimator, and costs given by label cannot be matched to them. "
        "Give the costs as an array in the order of the sorted labels there: "
        "re-encoding keeps that order."
    )


def _permutation(labels, classes, *, name):
    """Indices ``order`` such that ``labels[order]`` equals ``classes``."""
    labels = _check_classes(labels, name=name)
    position = {label: i for i, label in enumerate(labels.tolist())}
    known = set(classes.tolist())
    missing = [label for label in classes.tolist() if label not in position]
    unknown = [label for label in labels.tolist() if label not in known]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing classes {missing}")
        if unknown:
            problems.append(f"unknown labels {unknown}")
        raise ValueError(
            f"{name} must be a permutation of classes {classes.tolist()}; "
            f"got {' and '.join(problems)}.{_reencoding_hint(classes, unknown)}"
        )
    return np.array([position[label] for label in classes.tolist()])


def _iter_pairs(pairs):
    """Yield ``(true_label, predicted_label, cost)`` triples from ``pairs``."""
    if isinstance(pairs, Mapping):
        for key, cost in pairs.items():
            if not isinstance(key, tuple) or len(key) != 2:
                raise ValueError(
                    "pairs keys must be (true_label, predicted_label) tuples, "
                    f"got {key!r}."
                )
            yield key[0], key[1], cost
        return
    if isinstance(pairs, str | bytes) or not hasattr(pairs, "__iter__"):
        raise TypeError(
            "pairs must be a dict {(true_label, predicted_label): cost} or an "
            "iterable of (true_label, predicted_label, cost) triples, "
            f"got {type(pairs).__name__}."
        )
    for item in pairs:
        try:
            if isinstance(item, str | bytes):
                raise ValueError
            true_label, predicted_label, cost = item
        except (TypeError, ValueError):
            raise ValueError(
                "pairs items must be (true_label, predicted_label, cost) "
                f"triples, got {item!r}."
            ) from None
        yield true_label, predicted_label, cost
