"""Long-tailed subsampling of a balanced training set (Cao et al., 2019;
Cui et al., 2019)."""

import math
import numbers

import numpy as np
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import check_consistent_length

_PROFILES = ("exponential", "step")


def _check_imbalance_ratio(imbalance_ratio):
    if isinstance(imbalance_ratio, bool | np.bool_) or not isinstance(
        imbalance_ratio, numbers.Real
    ):
        raise TypeError(
            "imbalance_ratio must be a real number >= 1; got "
            f"{type(imbalance_ratio).__name__} {imbalance_ratio!r}."
        )
    ratio = float(imbalance_ratio)
    if not np.isfinite(ratio) or ratio < 1:
        raise ValueError(
            f"imbalance_ratio must be a finite number >= 1; got {imbalance_ratio!r}."
        )
    return ratio


def _check_profile(profile):
    if not isinstance(profile, str) or profile not in _PROFILES:
        raise ValueError(f"profile must be one of {list(_PROFILES)}; got {profile!r}.")
    return profile


def _check_positive_int(value, name, minimum):
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an int >= {minimum}; got {type(value).__name__} {value!r}."
        )
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {value!r}.")
    return int(value)


def long_tailed_counts(n_max, n_classes, imbalance_ratio, profile="exponential"):
    """Number of samples per class of a long-tailed dataset.

    With ``C = n_classes`` and ``rho = imbalance_ratio``, the count of the
    ``i``-th class (``i = 0 .. C - 1``, head class first) is

    * ``"exponential"`` profile (Cui et al. 2019, Cao et al. 2019)::

          n_i = int(n_max * rho ** (-i / (C - 1)))

      so the counts decay geometrically from ``n_max`` to
      ``int(n_max / rho)``;

    * ``"step"`` profile (Buda et al. 2018, Cao et al. 2019): the first
      ``floor(C / 2)`` classes keep ``n_max`` samples and the remaining
      ``C - floor(C / 2)`` classes get ``int(n_max / rho)`` samples (with an
      odd number of classes, the minority half is the larger one).

    ``int`` truncates towards zero, and every count is then raised to at
    least 1. The ratio between the largest and the smallest count is
    therefore ``rho`` up to this rounding.

    Parameters
    ----------
    n_max : int
        Number of samples of the head (largest) class, at least 1.
    n_classes : int
        Number of classes, at least 2.
    imbalance_ratio : float
        Ratio ``rho >= 1`` between the largest and the smallest class.
        ``1`` gives a balanced dataset.
    profile : {"exponential", "step"}, default="exponential"
        Shape of the class distribution.

    Returns
    -------
    counts : ndarray of shape (n_classes,), dtype int64
        Target count of each class, non-increasing.

    References
    ----------
    .. [1] K. Cao, C. Wei, A. Gaidon, N. Arechiga and T. Ma, "Learning
       Imbalanced Datasets with Label-Distribution-Aware Margin Loss",
       NeurIPS 2019.
    .. [2] Y. Cui, M. Jia, T.-Y. Lin, Y. Song and S. Belongie, "Class-Balanced
       Loss Based on Effective Number of Samples", CVPR 2019.

    Examples
    --------
    >>> from sklimb.datasets import long_tailed_counts
    >>> long_tailed_counts(5000, 10, 100)
    array([5000, 2997, 1796, 1077,  645,  387,  232,  139,   83,   50])
    >>> long_tailed_counts(5000, 10, 10, profile="step")
    array([5000, 5000, 5000, 5000, 5000,  500,  500,  500,  500,  500])
    """
    n_max = _check_positive_int(n_max, "n_max", 1)
    n_classes = _check_positive_int(n_classes, "n_classes", 2)
    ratio = _check_imbalance_ratio(imbalance_ratio)
    profile = _check_profile(profile)
    if profile == "exponential":
        # floor of the exact value: 98 * 49 ** -1 is 1.9999999999999998 in
        # floating point, and int() of it would give 1 instead of 2.
        counts = [
            math.floor(n_max * ratio ** (-i / (n_classes - 1)) + 1e-9)
            for i in range(n_classes)
        ]
    else:
        n_head = n_classes // 2
        n_tail = int(n_max / ratio)
        counts = [n_max] * n_head + [n_tail] * (n_classes - n_head)
    return np.maximum(np.asarray(counts, dtype=np.int64), 1)


def make_long_tailed(
    X, y, imbalance_ratio, profile="exponential", *, random_state=None, class_order=None
):
    """Subsample a (roughly balanced) dataset into a long-tailed one.

    This is the protocol used to build CIFAR-10-LT and similar benchmarks
    (Cui et al. 2019; Cao et al. 2019). Let ``C`` be the number of classes
    and ``n_max`` the *smallest* class count in ``y``, so that every class can
    supply its target. The ``i``-th class in ``class_order`` (sorted labels
    by default) keeps ``n_i`` samples given by :func:`long_tailed_counts`:
    ``n_i = int(n_max * imbalance_ratio ** (-i / (C - 1)))`` for the
    ``"exponential"`` profile, and for the ``"step"`` profile ``n_max`` for
    the first ``floor(C / 2)`` classes and ``int(n_max / imbalance_ratio)``
    for the others. Every class keeps at least one sample.

    The samples of each class are drawn uniformly without replacement; the
    selected rows are returned in their original order.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Samples; any array (or list, or DataFrame) indexable along its first
        axis, e.g. images of shape ``(n_samples, channels, height, width)``.
    y : array-like of shape (n_samples,)
        Class labels (integers, strings, ...).
    imbalance_ratio : float
        Ratio ``>= 1`` between the largest and the smallest class of the
        result (up to the rounding of the counts).
    profile : {"exponential", "step"}, default="exponential"
        Shape of the class distribution.
    random_state : int, RandomState instance or None, default=None
        Controls which samples are kept. Pass an int for reproducible output.
    class_order : array-like of shape (n_classes,), default=None
        The classes from head (most frequent) to tail (least frequent). It
        must contain each class of ``y`` exactly once. Defaults to the sorted
        unique labels.

    Returns
    -------
    X_lt : array-like of shape (n_samples_lt, ...)
        The selected samples, same type as ``X``.
    y_lt : ndarray of shape (n_samples_lt,)
        Their labels.

    Raises
    ------
    ValueError
        If ``imbalance_ratio < 1``, ``profile`` is unknown, ``y`` has fewer
        than two classes, ``X`` and ``y`` have different lengths, or
        ``class_order`` is not a permutation of the classes of ``y``.

    See Also
    --------
    long_tailed_counts : The per-class target counts.

    Examples
    --------
    >>> import numpy as np
    >>> from sklimb.datasets import make_long_tailed
    >>> X = np.arange(300).reshape(100, 3)
    >>> y = np.repeat(["cat", "dog", "emu", "fox"], 25)
    >>> X_lt, y_lt = make_long_tailed(X, y, imbalance_ratio=10, random_state=0)
    >>> np.unique(y_lt, return_counts=True)
    (array(['cat', 'dog', 'emu', 'fox'], dtype='<U3'), array([25, 11,  5,  2]))
    >>> X_lt.shape
    (43, 3)
    """
    ratio = _check_imbalance_ratio(imbalance_ratio)
    profile = _check_profile(profile)
    y = np.asarray(y)
    if y.ndim != 1:
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        else:
            raise ValueError(
                f"y must be 1-dimensional (n_samples,); got shape {y.shape}."
            )
    check_consistent_length(X, y)
    classes, y_idx, counts = np.unique(y, return_inverse=True, return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            f"make_long_tailed needs at least 2 classes in y; got {len(classes)}."
        )
    if class_order is None:
        order = np.arange(len(classes))
    else:
        class_order = np.asarray(class_order)
        if class_order.ndim != 1:
            raise ValueError(
                f"class_order must be 1-dimensional; got shape {class_order.shape}."
            )
        position = {c: i for i, c in enumerate(classes.tolist())}
        unknown = [c for c in class_order.tolist() if c not in position]
        if unknown:
            raise ValueError(
                f"class_order contains labels that are not in y: {unknown}."
            )
        order = np.asarray([position[c] for c in class_order.tolist()], dtype=int)
        if len(np.unique(order)) != len(order):
            raise ValueError("class_order contains duplicate labels.")
        if len(order) != len(classes):
            missing = [c for i, c in enumerate(classes.tolist()) if i not in order]
            raise ValueError(
                f"class_order must list every class of y; missing {missing}."
            )
    n_max = int(counts.min())
    targets = long_tailed_counts(n_max, len(classes), ratio, profile)
    rng = check_random_state(random_state)
    selected = []
    for class_index, n_keep in zip(order, targets, strict=True):
        members = np.flatnonzero(y_idx == class_index)
        selected.append(rng.choice(members, size=int(n_keep), replace=False))
    indices = np.sort(np.concatenate(selected))
    return _safe_indexing(X, indices), y[indices]
