"""Cost-sensitive classification metrics and scikit-learn scorers.

The matrices used here follow :mod:`sklimb.penalty`: ``cost_matrix[i, j]`` is
the cost of predicting ``labels[j]`` when the true class is ``labels[i]``, and
a mask marks the (true, predicted) cells of the "masked zone".
"""

from collections.abc import Mapping

import numpy as np
from sklearn.metrics import confusion_matrix
from sklearn.metrics._scorer import _BaseScorer
from sklearn.utils import check_array, check_consistent_length, column_or_1d
from sklearn.utils.multiclass import unique_labels

from .penalty import _check_classes, align_penalty_matrix, check_penalty_matrix

__all__ = [
    "cost_weighted_error",
    "expected_cost",
    "make_cost_scorer",
    "make_masked_zone_scorer",
    "masked_zone_error",
]


def cost_weighted_error(
    y_true, y_pred, cost_matrix, *, labels=None, normalize=True, sample_weight=None
):
    """Cost of the predictions under a cost matrix.

    Each sample costs ``cost_matrix[i, j]`` where ``i`` is the position of its
    true label and ``j`` the position of its predicted label in ``labels``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.

    y_pred : array-like of shape (n_samples,)
        Predicted labels.

    cost_matrix : array-like of shape (n_classes, n_classes), DataFrame or dict
        ``cost_matrix[i, j]`` is the cost of predicting ``labels[j]`` when the
        true label is ``labels[i]``. Finite and non-negative.
        A DataFrame (index: true labels, columns: predicted labels) or a
        dict ``{(true_label, predicted_label): value}`` (other cells 0) is
        matched to the labels by name.

    labels : array-like of shape (n_classes,), default=None
        Labels of the rows and columns of ``cost_matrix``, in order. If None,
        the sorted union of the labels in ``y_true`` and ``y_pred`` (and of
        those a DataFrame or dict names) is used.
        Every label of ``y_true`` and ``y_pred`` must be in ``labels``.

    normalize : bool, default=True
        If True, return the mean cost per sample (weighted by
        ``sample_weight``); otherwise return the total cost.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    cost : float
        Mean cost per sample if ``normalize`` is True, else the total cost.

    See Also
    --------
    expected_cost : Cost of predicted probabilities.
    make_cost_scorer : Scorer for model selection.

    Examples
    --------
    >>> from sklimb.metrics import cost_weighted_error
    >>> y_true = ["cat", "cat", "dog", "dog"]
    >>> y_pred = ["cat", "dog", "dog", "cat"]
    >>> cost = [[0, 1],
    ...         [5, 0]]
    >>> cost_weighted_error(y_true, y_pred, cost)
    1.5
    >>> cost_weighted_error(y_true, y_pred, cost, normalize=False)
    6.0
    """
    if not isinstance(normalize, bool | np.bool_):
        raise ValueError(f"normalize must be True or False, got {normalize!r}.")
    cm, labels = _confusion(
        y_true, y_pred, labels, sample_weight, _matrix_labels(cost_matrix)
    )
    cost = _in_label_order(cost_matrix, labels, name="cost_matrix")
    total = float(np.sum(cm * cost))
    return _divide(total, cm.sum()) if normalize else total


def masked_zone_error(
    y_true, y_pred, mask, *, labels=None, normalize="all", sample_weight=None
):
    """Share (or count) of samples whose (true, predicted) cell is in a mask.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.

    y_pred : array-like of shape (n_samples,)
        Predicted labels.

    mask : array-like of shape (n_classes, n_classes), DataFrame or dict
        The masked zone: cell ``(i, j)`` is in the zone when ``mask[i, j]`` is
        nonzero (or True). Diagonal cells count too if they are set, except
        with ``normalize="errors"``.
        A DataFrame (index: true labels, columns: predicted labels) or a
        dict ``{(true_label, predicted_label): value}`` (other cells 0) is
        matched to the labels by name.

    labels : array-like of shape (n_classes,), default=None
        Labels of the rows and columns of ``mask``, in order. If None, the
        sorted union of the labels in ``y_true`` and ``y_pred`` (and of those a
        DataFrame or dict names) is used.
        Every label of ``y_true`` and ``y_pred`` must be in ``labels``.

    normalize : {"all", "errors"}, None or False, default="all"
        - ``"all"``: divide by the total (weighted) number of samples, giving
          the share of samples that fall in the masked zone;
        - ``"errors"``: divide by the (weighted) number of misclassified
          samples, giving the share of errors that fall in the masked zone.
          Only off-diagonal cells are counted, and the result is 0.0 when there
          are no errors;
        - None or False: return the (weighted) number of samples in the zone.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    error : float
        Share or (weighted) count of samples in the masked zone.

    Examples
    --------
    >>> from sklimb.metrics import masked_zone_error
    >>> y_true = [0, 0, 1, 2]
    >>> y_pred = [0, 1, 2, 0]
    >>> mask = [[0, 1, 0],
    ...         [0, 0, 1],
    ...         [0, 0, 0]]
    >>> masked_zone_error(y_true, y_pred, mask)
    0.5
    >>> masked_zone_error(y_true, y_pred, mask, normalize="errors")
    0.6666666666666666
    >>> masked_zone_error(y_true, y_pred, mask, normalize=None)
    2.0
    """
    _check_normalize(normalize)
    cm, labels = _confusion(y_true, y_pred, labels, sample_weight, _matrix_labels(mask))
    in_zone = _in_label_order(mask, labels, name="mask") != 0
    if normalize == "errors":
        in_zone &= ~np.eye(len(labels), dtype=bool)
    count = float(cm[in_zone].sum())
    if normalize == "all":
        return _divide(count, cm.sum())
    if normalize == "errors":
        n_errors = float(cm.sum() - np.trace(cm))
        return count / n_errors if n_errors else 0.0
    return count


def expected_cost(y_true, y_proba, cost_matrix, *, labels=None, sample_weight=None):
    """Mean expected cost of predicted class probabilities.

    For each sample with true label ``labels[i]``, the expected cost is
    ``sum_j y_proba[:, j] * cost_matrix[i, j]``; the result is its
    (weighted) mean over samples.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.

    y_proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities; column ``j`` is the probability of
        ``labels[j]``. Entries must be finite and non-negative; rows are not
        required to sum to one.

    cost_matrix : array-like of shape (n_classes, n_classes), DataFrame or dict
        ``cost_matrix[i, j]`` is the cost of predicting ``labels[j]`` when the
        true label is ``labels[i]``. Finite and non-negative.
        A DataFrame (index: true labels, columns: predicted labels) or a
        dict ``{(true_label, predicted_label): value}`` (other cells 0) is
        matched to the labels by name.

    labels : array-like of shape (n_classes,), default=None
        Labels of the columns of ``y_proba`` and of the rows and columns of
        ``cost_matrix``. If None, the sorted labels of ``y_true`` are used, and
        ``y_true`` must then contain exactly ``y_proba.shape[1]`` classes.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    cost : float
        Mean expected cost per sample.

    Examples
    --------
    >>> from sklimb.metrics import expected_cost
    >>> y_true = ["cat", "dog"]
    >>> y_proba = [[0.75, 0.25],
    ...            [0.5, 0.5]]
    >>> cost = [[0, 2],
    ...         [4, 0]]
    >>> expected_cost(y_true, y_proba, cost)  # (0.25 * 2 + 0.5 * 4) / 2
    1.25
    """
    y_true = column_or_1d(y_true)
    y_proba = check_array(y_proba, dtype=np.float64, input_name="y_proba")
    check_consistent_length(y_true, y_proba, sample_weight)
    if (y_proba < 0).any():
        raise ValueError("y_proba must contain non-negative probabilities.")
    n_columns = y_proba.shape[1]

    if labels is None:
        labels = unique_labels(y_true)
        if len(labels) != n_columns:
            raise ValueError(
                f"y_true contains {len(labels)} classes but y_proba has "
                f"{n_columns} columns; pass labels to give the class of each "
                "column of y_proba."
            )
    else:
        labels = _check_classes(labels, name="labels")
        if len(labels) != n_columns:
            raise ValueError(
                f"labels has {len(labels)} entries but y_proba has {n_columns} "
                "columns; they must match."
            )
        _check_known(y_true, labels, name="y_true")
    cost = _in_label_order(cost_matrix, labels, name="cost_matrix")

    position = {label: i for i, label in enumerate(labels.tolist())}
    rows = np.array([position[label] for label in y_true.tolist()], dtype=np.intp)
    per_sample = np.sum(y_proba * cost[rows], axis=1)
    if sample_weight is None:
        return float(per_sample.mean())
    sample_weight = column_or_1d(sample_weight).astype(np.float64)
    return _divide(float(per_sample @ sample_weight), sample_weight.sum())


def make_cost_scorer(cost_matrix, *, labels=None, response_method="predict"):
    """Make a scorer from a cost matrix, for model selection.

    The scorer returns the **negated** mean cost per sample, so that greater
    is better, as scikit-learn expects. It can be passed as ``scoring`` to
    :class:`~sklearn.model_selection.GridSearchCV` or
    :func:`~sklearn.model_selection.cross_validate`, alone or in a dict of
    scorers, and accepts ``sample_weight``.

    Parameters
    ----------
    cost_matrix : array-like of shape (n_classes, n_classes), DataFrame or dict
        ``cost_matrix[i, j]`` is the cost of predicting class ``j`` when the
        true class is ``i``, in the order of ``labels``.
        A DataFrame (index: true labels, columns: predicted labels) or a
        dict ``{(true_label, predicted_label): value}`` (other cells 0) is
        matched to the labels by name.

    labels : array-like of shape (n_classes,), default=None
        Labels of the rows and columns of ``cost_matrix``. If None, the rows
        and columns follow the fitted estimator's ``classes_`` (sorted labels
        for scikit-learn classifiers), even when a test fold lacks a class.

    response_method : {"predict", "predict_proba"}, default="predict"
        With ``"predict"`` the scorer computes :func:`cost_weighted_error` of
        the predicted labels; with ``"predict_proba"`` it computes
        :func:`expected_cost` of the predicted probabilities.

    Returns
    -------
    scorer : callable
        Scorer called as ``scorer(estimator, X, y_true, sample_weight=None)``.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklimb.metrics import make_cost_scorer
    >>> X = [[0], [1], [2], [3]]
    >>> y = ["cat", "cat", "cat", "dog"]
    >>> clf = DummyClassifier(strategy="most_frequent").fit(X, y)
    >>> scorer = make_cost_scorer([[0, 1], [5, 0]])
    >>> scorer
    make_cost_scorer(cost_matrix=[[0., 1.], [5., 0.]], response_method='predict')
    >>> scorer(clf, X, y)  # the dog predicted as a cat costs 5, over 4 samples
    -1.25
    """
    if response_method not in ("predict", "predict_proba"):
        raise ValueError(
            "response_method must be 'predict' or 'predict_proba', "
            f"got {response_method!r}."
        )
    score_func = cost_weighted_error if response_method == "predict" else expected_cost
    return _ClassesScorer(
        score_func,
        matrix_name="cost_matrix",
        matrix=cost_matrix,
        labels=labels,
        response_method=response_method,
        factory="make_cost_scorer",
    )


def make_masked_zone_scorer(mask, *, labels=None, normalize="all"):
    """Make a scorer from a masked zone, for model selection.

    The scorer returns the **negated** :func:`masked_zone_error` of the
    predicted labels, so that greater is better. It can be passed as
    ``scoring`` to :class:`~sklearn.model_selection.GridSearchCV` or
    :func:`~sklearn.model_selection.cross_validate`, alone or in a dict of
    scorers, and accepts ``sample_weight``.

    Parameters
    ----------
    mask : array-like of shape (n_classes, n_classes), DataFrame or dict
        The masked zone, in the order of ``labels``: cell ``(i, j)`` is in the
        zone when ``mask[i, j]`` is nonzero (or True).
        A DataFrame (index: true labels, columns: predicted labels) or a
        dict ``{(true_label, predicted_label): value}`` (other cells 0) is
        matched to the labels by name.

    labels : array-like of shape (n_classes,), default=None
        Labels of the rows and columns of ``mask``. If None, the rows and
        columns follow the fitted estimator's ``classes_``.

    normalize : {"all", "errors"}, None or False, default="all"
        See :func:`masked_zone_error`.

    Returns
    -------
    scorer : callable
        Scorer called as ``scorer(estimator, X, y_true, sample_weight=None)``.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklimb.metrics import make_masked_zone_scorer
    >>> X = [[0], [1], [2], [3]]
    >>> y = ["cat", "cat", "cat", "dog"]
    >>> clf = DummyClassifier(strategy="most_frequent").fit(X, y)
    >>> scorer = make_masked_zone_scorer([[False, False], [True, False]])
    >>> scorer(clf, X, y)  # one sample of four is a dog predicted as a cat
    -0.25
    """
    _check_normalize(normalize)
    return _ClassesScorer(
        masked_zone_error,
        matrix_name="mask",
        matrix=mask,
        labels=labels,
        response_method="predict",
        factory="make_masked_zone_scorer",
        normalize=normalize,
    )


class _ClassesScorer(_BaseScorer):
    """Negated scorer whose matrix follows ``labels`` or the estimator's classes.

    When ``labels`` is None, the score function receives
    ``labels=estimator.classes_``, so the matrix rows keep their meaning on
    test folds that lack a class. Probabilities are reordered from the
    estimator's ``classes_`` to ``labels``.
    """

    def __init__(
        self,
        score_func,
        *,
        matrix_name,
        matrix,
        labels,
        response_method,
        factory,
        **kwargs,
    ):
        if labels is not None:
            labels = _check_classes(labels, name="labels")
        n_classes = None if labels is None else len(labels)
        named = _matrix_labels(matrix)
        if named is None:
            matrix = check_penalty_matrix(matrix, n_classes, name=matrix_name)
        else:
            # Kept as given and put in the order of the labels (or of the
            # estimator's classes_) when scoring; checked here.
            _in_label_order(
                matrix, named if labels is None else labels, name=matrix_name
            )
        super().__init__(
            score_func, -1, {matrix_name: matrix, **kwargs}, response_method
        )
        self._matrix_name = matrix_name
        self._labels = labels
        self._factory = factory

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        classes = getattr(estimator, "classes_", None)
        labels = classes if self._labels is None else self._labels
        y_pred = method_caller(estimator, self._response_method, X, pos_label=None)
        if self._response_method == "predict_proba":
            y_pred = _proba_in_label_order(y_pred, classes, labels)
        score = self._score_func(
            y_true, y_pred, **{**self._kwargs, "labels": labels, **kwargs}
        )
        return self._sign * score

    def __repr__(self):
        params = [
            f"{self._matrix_name}={_matrix_repr(self._kwargs[self._matrix_name])}"
        ]
        if self._labels is not None:
            params.append(f"labels={self._labels.tolist()!r}")
        params += [
            f"{key}={value!r}"
            for key, value in self._kwargs.items()
            if key != self._matrix_name
        ]
        if self._factory == "make_cost_scorer":
            params.append(f"response_method={self._response_method!r}")
        return f"{self._factory}({', '.join(params)})"


def _matrix_repr(matrix):
    """One-line repr of a small matrix, or its shape for a large one."""
    if isinstance(matrix, Mapping):
        return repr(matrix) if len(matrix) <= 5 else f"<dict of {len(matrix)} pairs>"
    if hasattr(matrix, "columns"):
        return f"<DataFrame of shape {matrix.shape}>"
    if len(matrix) > 5:
        return f"<array of shape {matrix.shape}>"
    return " ".join(np.array2string(matrix, separator=", ").split())


def _proba_in_label_order(proba, classes, labels):
    """Put the columns of ``proba`` (in ``classes`` order) in ``labels`` order."""
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim == 1:
        # scikit-learn gives the probability of classes[-1] for binary problems.
        proba = np.column_stack([1.0 - proba, proba])
    if classes is None or labels is classes:
        return proba
    classes = np.asarray(classes).tolist()
    labels = labels.tolist()
    known = set(labels)
    dropped = [label for label in classes if label not in known]
    if dropped:
        raise ValueError(
            f"labels={labels} lacks the estimator's classes {dropped}; "
            "predict_proba gives a probability to every class in classes_."
        )
    position = {label: i for i, label in enumerate(classes)}
    ordered = np.zeros((proba.shape[0], len(labels)))
    for j, label in enumerate(labels):
        if label in position:
            ordered[:, j] = proba[:, position[label]]
    return ordered


def _matrix_labels(matrix):
    """The labels named by a DataFrame or a dict of pairs, sorted; else None."""
    if isinstance(matrix, Mapping):
        named = [label for key in matrix if isinstance(key, tuple) for label in key]
        return unique_labels(np.asarray(named)) if named else None
    if hasattr(matrix, "columns") and hasattr(matrix, "index"):
        return unique_labels(np.asarray(matrix.index), np.asarray(matrix.columns))
    return None


def _in_label_order(matrix, labels, *, name):
    """``matrix`` as a validated array whose rows and columns follow ``labels``.

    A DataFrame (index: true labels, columns: predicted labels) or a dict of
    ``(true, predicted): cost`` pairs is put in that order by label, as the
    estimators do; an array-like is taken to be in that order already.
    """
    if _matrix_labels(matrix) is None:
        return check_penalty_matrix(matrix, len(labels), name=name)
    return align_penalty_matrix(matrix, labels)


def _confusion(y_true, y_pred, labels, sample_weight, matrix_labels=None):
    """Confusion matrix in ``labels`` order, refusing labels outside ``labels``.

    Without ``labels``: the sorted labels of ``y_true``, ``y_pred`` and
    ``matrix_labels`` (those a labelled matrix names).
    """
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    check_consistent_length(y_true, y_pred, sample_weight)
    if y_true.shape[0] == 0:
        raise ValueError("y_true and y_pred must not be empty.")
    present = unique_labels(y_true, y_pred)
    if labels is None:
        labels = (
            present if matrix_labels is None else unique_labels(present, matrix_labels)
        )
    else:
        labels = _check_classes(labels, name="labels")
        _check_known(present, labels, name="y_true or y_pred")
    cm = confusion_matrix(y_true, y_pred, labels=labels, sample_weight=sample_weight)
    return cm.astype(np.float64), labels


def _check_known(y, labels, *, name):
    known = set(labels.tolist())
    unknown = [label for label in np.unique(y).tolist() if label not in known]
    if unknown:
        raise ValueError(
            f"Found labels {unknown} in {name} that are not in "
            f"labels={labels.tolist()}."
        )


def _check_normalize(normalize):
    valid_string = isinstance(normalize, str) and normalize in ("all", "errors")
    if not (valid_string or normalize is None or normalize is False):
        raise ValueError(
            f"normalize must be 'all', 'errors', None or False, got {normalize!r}."
        )


def _divide(total, weight):
    if weight == 0:
        raise ValueError("The sum of sample_weight is zero; cannot normalize.")
    return float(total / weight)
