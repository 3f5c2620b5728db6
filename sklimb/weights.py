"""Class weights for cost-sensitive learning.

:func:`compute_class_weight` is the single place where sklimb turns a
``class_weight`` specification (``None``, a rule name, a dict or an array)
into one weight per class; losses and estimators all go through it.
"""

import numbers

import numpy as np

__all__ = [
    "CLASS_WEIGHT_RULES",
    "class_counts",
    "compute_class_weight",
    "effective_number",
]

#: Names of the frequency-based rules accepted by :func:`compute_class_weight`.
CLASS_WEIGHT_RULES = ("balanced", "inverse_sqrt", "effective_number")


def _check_classes(classes):
    """Validate ``classes``: a non-empty 1-D array of unique labels."""
    if classes is None:
        raise ValueError("classes is required; got None.")
    classes = np.asarray(classes)
    if classes.ndim != 1 or classes.shape[0] == 0:
        raise ValueError(
            "classes must be a non-empty 1-dimensional array of labels; got "
            f"shape {classes.shape}."
        )
    as_list = classes.tolist()
    if len(set(as_list)) != len(as_list):
        seen, duplicates = set(), []
        for c in as_list:
            if c in seen and c not in duplicates:
                duplicates.append(c)
            seen.add(c)
        raise ValueError(f"classes contains duplicate labels: {duplicates}.")
    return classes


def _check_beta(beta):
    if isinstance(beta, bool | np.bool_) or not isinstance(beta, numbers.Real):
        raise TypeError(
            f"beta must be a real number in [0, 1); got {type(beta).__name__} {beta!r}."
        )
    beta = float(beta)
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"beta must be in [0, 1); got {beta!r}.")
    return beta


def class_counts(y, classes):
    """Count the samples of each class.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    classes : array-like of shape (n_classes,)
        The classes, each listed once; they define the order of the output.
        Classes absent from ``y`` get a count of 0.

    Returns
    -------
    counts : ndarray of shape (n_classes,), dtype int64
        ``counts[k]`` is the number of samples of ``y`` equal to
        ``classes[k]``.

    Raises
    ------
    ValueError
        If ``y`` contains labels that are not in ``classes`` (they are named
        in the message), or ``classes`` has duplicates.

    Examples
    --------
    >>> from sklimb.weights import class_counts
    >>> class_counts(["b", "a", "b", "b"], classes=["a", "b", "c"])
    array([1, 3, 0])
    """
    classes = _check_classes(classes)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be 1-dimensional (n_samples,); got shape {y.shape}.")
    counts = np.zeros(len(classes), dtype=np.int64)
    if y.shape[0] == 0:
        return counts
    labels, label_counts = np.unique(y, return_counts=True)
    position = {c: k for k, c in enumerate(classes.tolist())}
    unknown = [c for c in labels.tolist() if c not in position]
    if unknown:
        raise ValueError(
            f"y contains labels that are not in classes: {unknown}. classes is "
            f"{classes.tolist()}."
        )
    for label, count in zip(labels.tolist(), label_counts, strict=True):
        counts[position[label]] = count
    return counts


def effective_number(counts, beta):
    """Effective number of samples of Cui et al. (2019).

    ``E_n = (1 - beta ** n) / (1 - beta)`` models the expected volume covered
    by ``n`` samples when each new sample overlaps the previous ones with
    probability ``beta``. It grows from ``E_1 = 1`` towards ``1 / (1 - beta)``:
    ``beta = 0`` gives ``E_n = 1`` for every ``n >= 1``, and ``beta -> 1``
    gives ``E_n -> n``.

    Parameters
    ----------
    counts : float or array-like of float
        Numbers of samples ``n >= 0``.
    beta : float
        Overlap hyper-parameter in ``[0, 1)``.

    Returns
    -------
    effective : float or ndarray of float64
        ``E_n`` for each count, with the shape of ``counts`` (a float for a
        scalar). ``E_0 = 0``.

    References
    ----------
    .. [1] Y. Cui, M. Jia, T.-Y. Lin, Y. Song and S. Belongie, "Class-Balanced
       Loss Based on Effective Number of Samples", CVPR 2019.

    Examples
    --------
    >>> from sklimb.weights import effective_number
    >>> effective_number([1, 2, 10], beta=0.5)
    array([1.        , 1.5       , 1.99804688])
    >>> effective_number(7, beta=0.0)
    1.0
    """
    beta = _check_beta(beta)
    n = np.asarray(counts, dtype=np.float64)
    if not np.all(np.isfinite(n)) or np.any(n < 0):
        raise ValueError(
            f"counts must be finite and non-negative; got {np.asarray(counts)!r}."
        )
    if beta == 0.0:
        result = (n > 0).astype(np.float64)
    else:
        # 1 - beta ** n computed as -expm1(n * log(beta)) for accuracy when
        # beta is close to 1.
        result = -np.expm1(n * np.log(beta)) / (1.0 - beta)
    if result.ndim == 0:
        return float(result)
    return result


def _counts_for_rule(rule, classes, y, class_counts_):
    """Per-class counts for a frequency-based rule, validated to be positive."""
    if (y is None) == (class_counts_ is None):
        raise ValueError(
            f"class_weight={rule!r} needs the class frequencies: pass exactly "
            "one of y and class_counts"
            + (" (got both)." if y is not None else " (got neither).")
        )
    if y is not None:
        counts = class_counts(y, classes).astype(np.float64)
    else:
        counts = np.asarray(class_counts_)
        if counts.dtype.kind not in "biuf":
            raise TypeError(f"class_counts must be numeric; got dtype {counts.dtype}.")
        counts = counts.astype(np.float64)
        if counts.shape != (len(classes),):
            raise ValueError(
                f"class_counts must have shape ({len(classes)},), one count per "
                f"class; got shape {counts.shape}."
            )
        if not np.all(np.isfinite(counts)) or np.any(counts < 0):
            raise ValueError(
                f"class_counts must be finite and non-negative; got {counts}."
            )
    empty = [c for c, n in zip(classes.tolist(), counts, strict=True) if n == 0]
    if empty:
        raise ValueError(
            f"class_weight={rule!r} cannot weight classes with no samples (their "
            f"weight would be infinite): {empty}. Remove them from classes or "
            "give explicit weights with a dict or an array."
        )
    return counts


def _weights_from_dict(class_weight, classes):
    position = {c: k for k, c in enumerate(classes.tolist())}
    unknown = [label for label in class_weight if label not in position]
    if unknown:
        raise ValueError(
            f"class_weight contains labels that are not in classes: {unknown}. "
            f"classes is {classes.tolist()}."
        )
    weights = np.ones(len(classes), dtype=np.float64)
    for label, value in class_weight.items():
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"class_weight[{label!r}] must be a real number; got "
                f"{type(value).__name__} {value!r}."
            )
        weights[position[label]] = float(value)
    return weights


def _check_weight_array(weights, n_classes):
    try:
        weights = np.array(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            "class_weight must be None, one of "
            f"{list(CLASS_WEIGHT_RULES)}, a dict or an array-like of numbers; "
            f"got {weights!r}."
        ) from exc
    if weights.shape != (n_classes,):
        raise ValueError(
            f"class_weight as an array must have shape ({n_classes},), one "
            f"weight per class; got shape {weights.shape}."
        )
    return weights


def compute_class_weight(
    class_weight, *, classes, y=None, class_counts=None, beta=0.999
):
    """Compute one weight per class.

    Parameters
    ----------
    class_weight : None, str, dict or array-like of shape (n_classes,)
        How to weight the classes:

        * ``None``: all weights are 1;
        * ``"balanced"``: ``n_samples / (n_classes * n_c)``, where ``n_c`` is
          the count of class ``c``, exactly as
          :func:`sklearn.utils.class_weight.compute_class_weight`;
        * ``"inverse_sqrt"``: ``1 / sqrt(n_c)``, normalised so that the
          weights sum to ``n_classes``;
        * ``"effective_number"``: the class-balanced weights of Cui et al.
          (2019), ``(1 - beta) / (1 - beta ** n_c)`` (the inverse of the
          :func:`effective_number` ``E_{n_c}``), normalised so that the
          weights sum to ``n_classes`` as in the paper. ``beta = 0`` gives
          uniform weights and ``beta -> 1`` approaches the inverse class
          frequency (``"balanced"`` up to a constant factor);
        * a dict ``{label: weight}`` (or a pandas Series indexed by label):
          labels missing from it get weight 1;
        * an array-like of shape ``(n_classes,)``: the weights, aligned with
          ``classes``.

        Explicit weights (dict or array) must be finite and non-negative.
    classes : array-like of shape (n_classes,)
        The classes, each listed once; they define the order of the output.
    y : array-like of shape (n_samples,), default=None
        Labels used to count the classes for the frequency-based rules. Every
        label must be in ``classes``.
    class_counts : array-like of shape (n_classes,), default=None
        Per-class counts aligned with ``classes``, an alternative to ``y``.
        Exactly one of ``y`` and ``class_counts`` must be given for the
        frequency-based rules; both are ignored otherwise.
    beta : float, default=0.999
        Hyper-parameter in ``[0, 1)`` of the ``"effective_number"`` rule
        (ignored by the other rules).

    Returns
    -------
    weights : ndarray of shape (n_classes,), dtype float64
        ``weights[k]`` is the weight of ``classes[k]``.

    Raises
    ------
    ValueError
        If ``class_weight`` is an unknown string (the valid options are
        listed), a dict holds labels that are not in ``classes``, an array
        has the wrong length or holds negative or non-finite values, or a
        frequency-based rule gets neither or both of ``y`` and
        ``class_counts``, or a class with no samples (its weight would be
        infinite).
    TypeError
        If ``class_weight`` has an unsupported type.

    References
    ----------
    .. [1] Y. Cui, M. Jia, T.-Y. Lin, Y. Song and S. Belongie, "Class-Balanced
       Loss Based on Effective Number of Samples", CVPR 2019.

    Examples
    --------
    >>> from sklimb.weights import compute_class_weight
    >>> y = [0, 0, 0, 1]
    >>> compute_class_weight("balanced", classes=[0, 1], y=y)
    array([0.66666667, 2.        ])
    >>> compute_class_weight("inverse_sqrt", classes=[0, 1], class_counts=[9, 1])
    array([0.5, 1.5])
    >>> compute_class_weight("effective_number", classes=[0, 1], y=y, beta=0.0)
    array([1., 1.])
    >>> compute_class_weight({1: 5.0}, classes=[0, 1])
    array([1., 5.])
    """
    classes = _check_classes(classes)
    n_classes = len(classes)

    if class_weight is None:
        return np.ones(n_classes, dtype=np.float64)

    if isinstance(class_weight, str):
        if class_weight not in CLASS_WEIGHT_RULES:
            raise ValueError(
                f"Unknown class_weight {class_weight!r}. Valid options are None, "
                f"{', '.join(repr(r) for r in CLASS_WEIGHT_RULES)}, a dict "
                "{label: weight} or an array-like of shape (n_classes,)."
            )
        if class_weight == "effective_number":
            beta = _check_beta(beta)
        counts = _counts_for_rule(class_weight, classes, y, class_counts)
        if class_weight == "balanced":
            return counts.sum() / (n_classes * counts)
        if class_weight == "inverse_sqrt":
            weights = 1.0 / np.sqrt(counts)
        else:
            weights = 1.0 / effective_number(counts, beta)
        return weights * (n_classes / weights.sum())

    if isinstance(class_weight, dict):
        weights = _weights_from_dict(class_weight, classes)
    elif hasattr(class_weight, "index") and hasattr(class_weight, "to_dict"):
        # A pandas Series names its classes: matched by label, as a dict.
        weights = _weights_from_dict(class_weight.to_dict(), classes)
    elif isinstance(class_weight, bytes | numbers.Number) or not hasattr(
        class_weight, "__len__"
    ):
        raise TypeError(
            "class_weight must be None, one of "
            f"{list(CLASS_WEIGHT_RULES)}, a dict or an array-like of shape "
            f"({n_classes},); got {type(class_weight).__name__} {class_weight!r}."
        )
    else:
        weights = _check_weight_array(class_weight, n_classes)

    if not np.all(np.isfinite(weights)):
        raise ValueError(f"class_weight must be finite; got {weights}.")
    if np.any(weights < 0):
        raise ValueError(f"class_weight must be non-negative; got {weights}.")
    return weights
