"""Bayes decisions under a cost matrix: the minimum-risk meta-classifier."""

from collections.abc import Mapping

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.utils import get_tags
from sklearn.utils._metadata_requests import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metadata_routing import UNUSED
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from .penalty import align_penalty_matrix, check_penalty_matrix, zero_one_matrix

__all__ = ["MinimumRiskClassifier"]


class MinimumRiskClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Predict the class of minimum expected cost from any probabilistic classifier.

    Wraps a classifier with ``predict_proba`` (a sklimb net or any
    scikit-learn classifier) and replaces its ``predict`` by the Bayes
    decision under a cost matrix :math:`C`, where :math:`C_{ij}` is the cost
    of predicting class :math:`j` when the truth is :math:`i`:

    .. math::
        \\hat y(x) = \\arg\\min_j \\sum_i p(i \\mid x)\\, C_{ij}.

    With well-calibrated probabilities this decision has the lowest expected
    cost of all decisions. ``cost_matrix`` is an ordinary parameter, so
    :class:`~sklearn.model_selection.GridSearchCV` can tune it (with a fixed
    cost scorer such as :func:`sklimb.metrics.make_cost_scorer`).

    Parameters
    ----------
    estimator : estimator object
        A classifier with ``fit`` and ``predict_proba``. It is cloned and
        fitted by :meth:`fit`; wrap an already fitted one in
        :class:`~sklearn.frozen.FrozenEstimator` to use it as it is.
    cost_matrix : array-like of shape (n_classes, n_classes), dict or \
DataFrame, default=None
        The costs :math:`C`: an array in the order of ``classes_`` (sorted
        labels), a dict ``{(true, predicted): cost}`` (missing off-diagonal
        cells cost 0) or a DataFrame indexed by true labels with predicted
        labels as columns (see :func:`sklimb.penalty.align_penalty_matrix`).
        Entries must be finite and non-negative. None means 1 off the
        diagonal, i.e. the most probable class.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted classifier.
    classes_ : ndarray of shape (n_classes,)
        The class labels, from ``estimator_``.
    cost_matrix_ : ndarray of shape (n_classes, n_classes)
        ``cost_matrix`` aligned to ``classes_``.
    n_features_in_ : int
        Number of features seen in :meth:`fit`, when the estimator has it.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen in :meth:`fit`, when the estimator has them.

    See Also
    --------
    sklimb.CostSensitiveNetClassifier : Its ``decision="min_risk"`` is the
        same decision built into the nets.
    sklearn.model_selection.FixedThresholdClassifier : Binary thresholds.
    sklimb.metrics.make_cost_scorer : A scorer for the same costs.

    Notes
    -----
    **Example-dependent costs.** :meth:`predict` accepts ``sample_cost`` of
    shape ``(n_samples, n_classes, n_classes)``: one cost matrix
    :math:`C_x` per example, used in place of ``cost_matrix``:
    :math:`\\hat y(x) = \\arg\\min_j \\sum_i p(i \\mid x)\\, C_x[i, j]`. At
    prediction time the true class is unknown, so the decision needs the
    cost of every (true, predicted) pair; the ``(n_samples, n_classes)``
    costs that the bilinear losses take in ``fit`` are the rows
    :math:`C_x[y]` of the known truth and cannot be used here. Common 2-D
    forms are built by broadcasting, with ``c`` of shape
    ``(n_samples, n_classes)`` and ``I = np.eye(n_classes)``:

    - cost ``c[:, i]`` of missing an example of true class ``i`` (e.g. the
      amount of a fraudulent transaction): ``c[:, :, None] * (1 - I)``;
    - cost ``c[:, j]`` of wrongly predicting class ``j`` (e.g. the price of
      the action it triggers): ``c[:, None, :] * (1 - I)``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklimb.decision import MinimumRiskClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> cost = [[0, 1, 1],
    ...         [1, 0, 1],
    ...         [1, 10, 0]]  # a virginica (2) called versicolor (1) costs 10
    >>> clf = MinimumRiskClassifier(LogisticRegression(max_iter=1000),
    ...                             cost_matrix=cost).fit(X, y)
    >>> def virginica_as_versicolor(y_pred):
    ...     return int(((y == 2) & (y_pred == 1)).sum())
    >>> virginica_as_versicolor(clf.estimator_.predict(X))
    1
    >>> virginica_as_versicolor(clf.predict(X))
    0
    >>> clf.predict_expected_cost(X[:1]).round(3)
    array([[0.018, 0.982, 1.   ]])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "cost_matrix": ["array-like", dict, None],
    }

    # fit passes sample_weight on to the estimator, which requests it; this
    # meta-estimator does not consume it (and needs no request for it).
    __metadata_request__fit = {"sample_weight": UNUSED}

    def __init__(self, estimator, cost_matrix=None):
        self.estimator = estimator
        self.cost_matrix = cost_matrix

    @_fit_context(
        # The wrapped estimator validates its own parameters when fitted.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit a clone of the estimator and align the cost matrix to its classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, in any form the estimator accepts.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the estimator's ``fit``, which must accept it. With
            metadata routing enabled, passed only when the estimator requests
            it (``estimator.set_fit_request(sample_weight=True)``).
        **fit_params : dict
            Other parameters of the estimator's ``fit`` (such as a net's
            ``sample_cost``); routed the same way.

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        estimator = clone(self.estimator)
        if _routing_enabled():
            if sample_weight is not None:
                fit_params["sample_weight"] = sample_weight
            routed = process_routing(self, "fit", **fit_params)
            self.estimator_ = estimator.fit(X, y, **routed.estimator.fit)
            return self._fitted()
        if sample_weight is not None:
            if not has_fit_parameter(estimator, "sample_weight"):
                raise TypeError(
                    f"sample_weight was given, but the estimator "
                    f"{type(estimator).__name__} does not accept sample_weight "
                    "in fit."
                )
            fit_params["sample_weight"] = sample_weight
        self.estimator_ = estimator.fit(X, y, **fit_params)
        return self._fitted()

    def _fitted(self):
        self.cost_matrix_ = _aligned_cost_matrix(self.cost_matrix, self.classes_)
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, name):
                setattr(self, name, getattr(self.estimator_, name))
            else:  # not left over from an earlier fit
                vars(self).pop(name, None)
        return self

    def get_metadata_routing(self):
        """Where metadata go: ``fit``'s to the estimator's ``fit``.

        This meta-estimator consumes ``predict``'s ``sample_cost`` and
        ``score``'s ``sample_weight`` itself, when requested with
        :meth:`set_predict_request` and :meth:`set_score_request`.

        Returns
        -------
        routing : MetadataRouter
            See :ref:`sklearn:metadata_routing`.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                estimator=self.estimator,
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
        )

    @property
    def classes_(self):
        """The class labels of the fitted estimator."""
        return self.estimator_.classes_

    def predict_proba(self, X):
        """Class probabilities of the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def predict_expected_cost(self, X, sample_cost=None):
        """Expected cost of predicting each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        sample_cost : array-like of shape (n_samples, n_classes, n_classes), \
default=None
            One cost matrix per example, used in place of ``cost_matrix_``
            (see the Notes of the class).

        Returns
        -------
        cost : ndarray of shape (n_samples, n_classes)
            ``cost[n, j] = sum_i p(i | x_n) C[i, j]``; columns in the order
            of ``classes_``.
        """
        proba = np.asarray(self.predict_proba(X), dtype=np.float64)
        if sample_cost is None:
            return proba @ self.cost_matrix_
        sample_cost = _check_sample_cost(sample_cost, proba.shape)
        return np.einsum("ni,nij->nj", proba, sample_cost)

    def predict(self, X, sample_cost=None):
        """Predict the class of minimum expected cost.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        sample_cost : array-like of shape (n_samples, n_classes, n_classes), \
default=None
            One cost matrix per example, used in place of ``cost_matrix_``
            (see the Notes of the class).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``; ties go to the first class in
            ``classes_``.
        """
        cost = self.predict_expected_cost(X, sample_cost=sample_cost)
        return self.classes_[np.argmin(cost, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.non_deterministic = inner.non_deterministic
        return tags


def _aligned_cost_matrix(cost_matrix, classes):
    """``cost_matrix`` validated and aligned to ``classes`` (0-1 when None)."""
    if cost_matrix is None:
        return zero_one_matrix(len(classes))
    if not isinstance(cost_matrix, Mapping):
        # Validate arrays and DataFrames under the parameter's own name.
        check_penalty_matrix(cost_matrix, len(classes), name="cost_matrix")
    try:
        return align_penalty_matrix(cost_matrix, classes)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"cost_matrix does not fit classes_: {exc}") from exc


def _check_sample_cost(sample_cost, proba_shape):
    n_samples, n_classes = proba_shape
    try:
        sample_cost = np.asarray(sample_cost, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"sample_cost must be an array-like of numbers, got {exc}"
        ) from exc
    expected = (n_samples, n_classes, n_classes)
    if sample_cost.shape != expected:
        raise ValueError(
            "sample_cost must have shape (n_samples, n_classes, n_classes) = "
            f"{expected}: one cost matrix per example; got {sample_cost.shape}."
        )
    if not np.all(np.isfinite(sample_cost)) or (sample_cost < 0).any():
        raise ValueError("sample_cost must be finite and non-negative.")
    return sample_cost
