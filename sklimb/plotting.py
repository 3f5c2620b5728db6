"""Plots of cost-sensitive results, on scikit-learn's Display pattern.

Each ``*Display`` object stores the numbers it plots, draws them with
``plot`` and keeps the matplotlib artists it made as attributes ending in
``_``, like :class:`sklearn.metrics.ConfusionMatrixDisplay`. Build one with
its ``from_estimator``, ``from_predictions`` or ``from_cv_results`` class
method, or with the ``plot_*`` function of the same name. matplotlib is only
imported when something is drawn.
"""

import numbers

import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix, recall_score
from sklearn.utils.multiclass import unique_labels

from .penalty import align_penalty_matrix

__all__ = [
    "AlphaTradeoffDisplay",
    "ClassRecallDisplay",
    "CostConfusionMatrixDisplay",
    "plot_alpha_tradeoff",
    "plot_class_recall",
    "plot_confusion_matrix",
]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "sklimb.plotting requires matplotlib; install it with "
            "`pip install matplotlib`."
        ) from exc
    return plt


def _final_step(estimator):
    """The last step of a pipeline, or the estimator itself."""
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if steps else estimator


def _is_estimator(obj):
    return hasattr(obj, "predict") and not isinstance(obj, np.ndarray)


class CostConfusionMatrixDisplay(ConfusionMatrixDisplay):
    """Confusion matrix with the penalised cells outlined and their costs.

    A :class:`sklearn.metrics.ConfusionMatrixDisplay` that also draws an
    outline around every cell of positive cost in ``penalty_matrix`` (the
    masked zone of a mask) and, unless all those costs are equal, writes each
    cost in the corner of its cell. Build it with :meth:`from_estimator` or
    :meth:`from_predictions`, or with :func:`plot_confusion_matrix`.

    Parameters
    ----------
    confusion_matrix : ndarray of shape (n_classes, n_classes)
        Confusion matrix: rows are true classes, columns predicted classes.

    display_labels : ndarray of shape (n_classes,), default=None
        Labels of the rows and columns. If None, ``0`` to ``n_classes - 1``.

    penalty_matrix : ndarray of shape (n_classes, n_classes), default=None
        Cost of each (true, predicted) cell, in the order of the confusion
        matrix. None draws a plain confusion matrix.

    Attributes
    ----------
    im_ : matplotlib AxesImage
        Image of the confusion matrix.

    text_ : ndarray of shape (n_classes, n_classes) of matplotlib Text or None
        Values of the cells; None when ``include_values`` is False.

    outlines_ : ndarray of shape (n_classes, n_classes), dtype=object
        The matplotlib Rectangle outlining each penalised cell, None elsewhere.

    cost_texts_ : ndarray of shape (n_classes, n_classes), dtype=object
        The matplotlib Text writing each penalised cell's cost, None elsewhere
        or when costs are not annotated.

    ax_ : matplotlib Axes
        Axes of the plot.

    figure_ : matplotlib Figure
        Figure of the plot.

    See Also
    --------
    plot_confusion_matrix : Draw this display from an estimator or labels.
    sklearn.metrics.ConfusionMatrixDisplay : The plain confusion matrix.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklimb.plotting import CostConfusionMatrixDisplay
    >>> disp = CostConfusionMatrixDisplay.from_predictions(
    ...     ["cat", "dog", "dog"], ["cat", "cat", "dog"],
    ...     penalty_matrix={("dog", "cat"): 5.0})
    >>> [(i, j) for (i, j), box in np.ndenumerate(disp.outlines_) if box]
    [(1, 0)]
    """

    def __init__(self, confusion_matrix, *, display_labels=None, penalty_matrix=None):
        super().__init__(confusion_matrix, display_labels=display_labels)
        self.penalty_matrix = penalty_matrix

    def plot(
        self,
        *,
        include_values=True,
        cmap="Blues",
        xticks_rotation="horizontal",
        values_format=None,
        ax=None,
        colorbar=True,
        im_kw=None,
        text_kw=None,
        annotate_costs="auto",
        outline_kw=None,
    ):
        """Plot the confusion matrix with its penalised cells outlined.

        Parameters
        ----------
        include_values : bool, default=True
            Write the value of each cell.

        cmap : str or matplotlib Colormap, default="Blues"
            Colormap of the cells.

        xticks_rotation : {"vertical", "horizontal"} or float, \
default="horizontal"
            Rotation of the x tick labels.

        values_format : str, default=None
            Format of the cell values; None picks ``"d"`` or ``".2g"``.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        colorbar : bool, default=True
            Add a colorbar.

        im_kw : dict, default=None
            Keyword arguments of :meth:`matplotlib.axes.Axes.imshow`.

        text_kw : dict, default=None
            Keyword arguments of the cell values' :meth:`matplotlib.axes.Axes.text`.

        annotate_costs : bool or "auto", default="auto"
            Write each penalised cell's cost in its top right corner.
            ``"auto"`` does so unless all positive costs are equal (a mask).

        outline_kw : dict, default=None
            Keyword arguments of the outlines'
            :class:`matplotlib.patches.Rectangle`.

        Returns
        -------
        display : CostConfusionMatrixDisplay
            The display, with its artists as attributes.
        """
        plt = _pyplot()
        super().plot(
            include_values=include_values,
            cmap=cmap,
            xticks_rotation=xticks_rotation,
            values_format=values_format,
            ax=ax,
            colorbar=colorbar,
            im_kw=im_kw,
            text_kw=text_kw,
        )
        n_classes = self.confusion_matrix.shape[0]
        self.outlines_ = np.full((n_classes, n_classes), None, dtype=object)
        self.cost_texts_ = np.full((n_classes, n_classes), None, dtype=object)
        if self.penalty_matrix is None:
            return self

        costs = np.asarray(self.penalty_matrix, dtype=float)
        if costs.shape != (n_classes, n_classes):
            raise ValueError(
                f"penalty_matrix has shape {costs.shape}; the confusion matrix "
                f"has shape {(n_classes, n_classes)}."
            )
        positive = costs[costs > 0]
        if annotate_costs == "auto":
            annotate_costs = positive.size > 0 and not np.all(positive == positive[0])
        outline = {"fill": False, "edgecolor": "tab:red", "linewidth": 2.5}
        outline.update(outline_kw or {})
        for i, j in np.argwhere(costs > 0):
            box = plt.Rectangle((j - 0.5, i - 0.5), 1, 1, **outline)
            self.ax_.add_patch(box)
            self.outlines_[i, j] = box
            if annotate_costs:
                self.cost_texts_[i, j] = self.ax_.text(
                    j + 0.45,
                    i - 0.45,
                    f"{costs[i, j]:g}",
                    ha="right",
                    va="top",
                    fontsize="x-small",
                    color=outline["edgecolor"],
                )
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        penalty_matrix=None,
        labels=None,
        sample_weight=None,
        normalize=None,
        display_labels=None,
        ax=None,
        **plot_kw,
    ):
        """Plot the confusion matrix of an estimator's predictions.

        Parameters
        ----------
        estimator : estimator
            Fitted classifier, or pipeline ending in one.

        X : array-like of shape (n_samples, n_features)
            Input values.

        y : array-like of shape (n_samples,)
            True labels.

        penalty_matrix : array-like, dict or DataFrame, default=None
            Costs to outline: an array in the order of ``labels`` (of the
            estimator's ``classes_`` when ``labels`` is None), or a dict
            ``{(true, predicted): cost}`` or DataFrame by label. None uses
            the fitted ``penalty_matrix_`` (or the ``cost_matrix_`` of a
            :class:`~sklimb.decision.MinimumRiskClassifier`) of the
            estimator, or of the pipeline's last step, when it has one.

        labels : array-like of shape (n_classes,), default=None
            Labels of the rows and columns, in order; None uses the
            estimator's ``classes_``.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        normalize : {"true", "pred", "all"}, default=None
            Normalise the counts over the true labels (rows), the predicted
            labels (columns) or all cells.

        display_labels : array-like of shape (n_classes,), default=None
            Tick labels; None uses ``labels``.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        **plot_kw : dict
            Other keyword arguments of :meth:`plot`.

        Returns
        -------
        display : CostConfusionMatrixDisplay
            The plotted display.
        """
        classes = getattr(estimator, "classes_", None)
        if penalty_matrix is None:
            step = _final_step(estimator)
            fitted = getattr(step, "penalty_matrix_", None)
            if fitted is None:  # a MinimumRiskClassifier
                fitted = getattr(step, "cost_matrix_", None)
            if fitted is not None:
                penalty_matrix = fitted
                if labels is not None:
                    penalty_matrix = align_penalty_matrix(
                        fitted, classes=labels, labels=classes
                    )
        if labels is None:
            labels = classes
        return cls.from_predictions(
            y,
            estimator.predict(X),
            penalty_matrix=penalty_matrix,
            labels=labels,
            sample_weight=sample_weight,
            normalize=normalize,
            display_labels=display_labels,
            ax=ax,
            **plot_kw,
        )

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_pred,
        *,
        penalty_matrix=None,
        labels=None,
        sample_weight=None,
        normalize=None,
        display_labels=None,
        ax=None,
        **plot_kw,
    ):
        """Plot the confusion matrix of given predictions.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.

        y_pred : array-like of shape (n_samples,)
            Predicted labels.

        penalty_matrix : array-like, dict or DataFrame, default=None
            Costs to outline: an array in the order of ``labels`` (of the
            sorted labels when ``labels`` is None), or a dict
            ``{(true, predicted): cost}`` or DataFrame by label.

        labels : array-like of shape (n_classes,), default=None
            Labels of the rows and columns, in order; None uses the sorted
            labels of ``y_true`` and ``y_pred``.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        normalize : {"true", "pred", "all"}, default=None
            Normalise the counts over the true labels (rows), the predicted
            labels (columns) or all cells.

        display_labels : array-like of shape (n_classes,), default=None
            Tick labels; None uses ``labels``.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        **plot_kw : dict
            Other keyword arguments of :meth:`plot`.

        Returns
        -------
        display : CostConfusionMatrixDisplay
            The plotted display.
        """
        if labels is None:
            labels = unique_labels(y_true, y_pred)
        labels = np.asarray(labels)
        cm = confusion_matrix(
            y_true,
            y_pred,
            labels=labels,
            sample_weight=sample_weight,
            normalize=normalize,
        )
        if penalty_matrix is not None:
            penalty_matrix = align_penalty_matrix(penalty_matrix, classes=labels)
        display = cls(
            cm,
            display_labels=labels if display_labels is None else display_labels,
            penalty_matrix=penalty_matrix,
        )
        return display.plot(ax=ax, **plot_kw)


def plot_confusion_matrix(estimator_or_y_true, X_or_y_pred, y=None, **kwargs):
    """Plot a confusion matrix with the penalised cells outlined.

    Calls :meth:`CostConfusionMatrixDisplay.from_estimator` when the first
    argument is a fitted estimator and
    :meth:`CostConfusionMatrixDisplay.from_predictions` otherwise.

    Parameters
    ----------
    estimator_or_y_true : estimator or array-like of shape (n_samples,)
        A fitted classifier (or pipeline), or the true labels.

    X_or_y_pred : array-like
        The input values for an estimator, else the predicted labels.

    y : array-like of shape (n_samples,), default=None
        True labels, with an estimator only.

    **kwargs : dict
        ``penalty_matrix``, ``labels``, ``normalize``, ``ax`` and the other
        keyword arguments of the class methods and of
        :meth:`CostConfusionMatrixDisplay.plot`.

    Returns
    -------
    display : CostConfusionMatrixDisplay
        The plotted display.

    See Also
    --------
    CostConfusionMatrixDisplay : The display this function builds.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklimb.plotting import plot_confusion_matrix
    >>> A = [[0, 0, 3], [0, 0, 0], [1, 0, 0]]
    >>> disp = plot_confusion_matrix([0, 1, 2, 2], [0, 1, 0, 2], penalty_matrix=A)
    >>> disp.confusion_matrix
    array([[1, 0, 0],
           [0, 1, 0],
           [1, 0, 1]])
    """
    if _is_estimator(estimator_or_y_true):
        if y is None:
            raise ValueError("plot_confusion_matrix(estimator, X, y) needs y.")
        return CostConfusionMatrixDisplay.from_estimator(
            estimator_or_y_true, X_or_y_pred, y, **kwargs
        )
    if y is not None:
        raise ValueError("y is only used with an estimator; got y_true, y_pred and y.")
    return CostConfusionMatrixDisplay.from_predictions(
        estimator_or_y_true, X_or_y_pred, **kwargs
    )


def _short_name(param):
    return param.rsplit("__", 1)[-1]


def _find_alpha_param(param_names):
    found = [p for p in param_names if _short_name(p) == "alpha"]
    if len(found) != 1:
        raise ValueError(
            "Cannot tell which searched parameter is alpha: found "
            f"{found or 'none'} among {sorted(param_names)}; pass alpha_param."
        )
    return found[0]


def _distinct_index(values, value):
    """Position of ``value`` among ``values`` (arrays compared by content)."""
    for k, seen in enumerate(values):
        if np.array_equal(
            np.asarray(seen, dtype=object), np.asarray(value, dtype=object)
        ):
            return k
    values.append(value)
    return len(values) - 1


def _describe(param, values, k):
    value = values[k]
    if isinstance(value, (str, numbers.Number)) or value is None:
        return f"{_short_name(param)}={value}"
    if hasattr(value, "get_params"):  # an estimator, e.g. a pipeline step
        return f"{_short_name(param)}={type(value).__name__}"
    return f"{_short_name(param)} #{k + 1}"


class AlphaTradeoffDisplay:
    """Cost against overall error across the bilinear weight alpha.

    One line per penalty matrix (or other searched setting), one point per
    ``alpha``, with error bars of one standard deviation over the
    cross-validation folds. Build it from a search's ``cv_results_`` with
    :meth:`from_cv_results` or :func:`plot_alpha_tradeoff`.

    Parameters
    ----------
    alphas : list of ndarray of shape (n_alphas,)
        The ``alpha`` values of each line.

    costs : list of ndarray of shape (n_alphas,)
        Mean cost (or masked-zone error) of each point.

    errors : list of ndarray of shape (n_alphas,), default=None
        Mean overall error rate of each point; needed for ``x="error"``.

    costs_std : list of ndarray of shape (n_alphas,), default=None
        Standard deviation of the cost over the folds.

    errors_std : list of ndarray of shape (n_alphas,), default=None
        Standard deviation of the overall error over the folds.

    line_labels : list of str, default=None
        Legend label of each line.

    cost_name : str, default="cost"
        Name of the cost, for the axis label.

    Attributes
    ----------
    lines_ : list of matplotlib ErrorbarContainer
        One per line, in the order of ``alphas``.

    alpha_texts_ : list of matplotlib Text
        The ``alpha`` labels next to the points (``x="error"`` only).

    ax_ : matplotlib Axes
        Axes of the plot.

    figure_ : matplotlib Figure
        Figure of the plot.

    See Also
    --------
    plot_alpha_tradeoff : Draw this display from a search.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklimb.plotting import AlphaTradeoffDisplay
    >>> disp = AlphaTradeoffDisplay(
    ...     alphas=[np.array([0.0, 0.9])], costs=[np.array([0.05, 0.01])],
    ...     errors=[np.array([0.10, 0.12])]).plot()
    >>> disp.lines_[0].lines[0].get_ydata().tolist()
    [0.05, 0.01]
    """

    def __init__(
        self,
        alphas,
        costs,
        errors=None,
        *,
        costs_std=None,
        errors_std=None,
        line_labels=None,
        cost_name="cost",
    ):
        self.alphas = alphas
        self.costs = costs
        self.errors = errors
        self.costs_std = costs_std
        self.errors_std = errors_std
        self.line_labels = line_labels
        self.cost_name = cost_name

    def plot(self, *, x="error", ax=None, annotate_alpha=True, errorbar_kw=None):
        """Plot the trade-off.

        Parameters
        ----------
        x : {"error", "alpha"}, default="error"
            What the horizontal axis shows: the overall error rate (each point
            labelled with its ``alpha``) or ``alpha`` itself.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        annotate_alpha : bool, default=True
            With ``x="error"``, write each point's ``alpha`` next to it.

        errorbar_kw : dict, default=None
            Keyword arguments of :meth:`matplotlib.axes.Axes.errorbar`.

        Returns
        -------
        display : AlphaTradeoffDisplay
            The display, with its artists as attributes.
        """
        if x not in ("error", "alpha"):
            raise ValueError(f'x must be "error" or "alpha", got {x!r}.')
        if x == "error" and self.errors is None:
            raise ValueError('x="error" needs the overall errors; got errors=None.')
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots()
        n_lines = len(self.alphas)
        labels = self.line_labels or [None] * n_lines
        self.lines_, self.alpha_texts_ = [], []
        for k in range(n_lines):
            kw = {"marker": "o", "capsize": 3, "label": labels[k]}
            kw.update(errorbar_kw or {})
            yerr = None if self.costs_std is None else self.costs_std[k]
            if x == "alpha":
                line = ax.errorbar(self.alphas[k], self.costs[k], yerr=yerr, **kw)
            else:
                xerr = None if self.errors_std is None else self.errors_std[k]
                line = ax.errorbar(
                    self.errors[k], self.costs[k], xerr=xerr, yerr=yerr, **kw
                )
                if annotate_alpha:
                    points = zip(
                        self.alphas[k], self.errors[k], self.costs[k], strict=True
                    )
                    for a, e, c in points:
                        self.alpha_texts_.append(
                            ax.annotate(
                                f"α={a:g}",
                                (e, c),
                                textcoords="offset points",
                                xytext=(4, 4),
                                fontsize="x-small",
                                color=line.lines[0].get_color(),
                            )
                        )
            self.lines_.append(line)
        ax.set_xlabel("alpha" if x == "alpha" else "overall error rate")
        ax.set_ylabel(self.cost_name)
        if any(label is not None for label in labels):
            ax.legend()
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_cv_results(
        cls,
        cv_results,
        *,
        cost_metric=None,
        accuracy_metric="accuracy",
        alpha_param=None,
        cost_name=None,
        x="error",
        ax=None,
        **plot_kw,
    ):
        """Plot the trade-off from a search's ``cv_results_``.

        The cost of a point is the negated mean test score of ``cost_metric``
        (sklimb's scorers, :func:`~sklimb.metrics.make_cost_scorer` and
        :func:`~sklimb.metrics.make_masked_zone_scorer`, return the negated
        error), its overall error one minus the mean test score of
        ``accuracy_metric``. Points that share every other searched
        parameter form a line, labelled by the parameters that differ.

        Parameters
        ----------
        cv_results : dict or fitted search
            A search's ``cv_results_``, or the search itself, for instance a
            :class:`~sklearn.model_selection.GridSearchCV`.

        cost_metric : str, default=None
            Name of the cost scorer in a multi-metric search. None uses
            the single metric ``"score"``, or the one metric besides
            ``accuracy_metric``.

        accuracy_metric : str, default="accuracy"
            Name of an accuracy scorer in the search; needed for
            ``x="error"``.

        alpha_param : str, default=None
            Name of the searched alpha parameter, for instance
            ``"bilinearnetclassifier__alpha"``. None finds the one parameter
            named ``alpha`` or ending in ``__alpha``.

        cost_name : str, default=None
            Axis label of the cost; None uses ``cost_metric``.

        x : {"error", "alpha"}, default="error"
            What the horizontal axis shows.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        **plot_kw : dict
            Other keyword arguments of :meth:`plot`.

        Returns
        -------
        display : AlphaTradeoffDisplay
            The plotted display.
        """
        results = getattr(cv_results, "cv_results_", cv_results)
        metrics = [
            k[len("mean_test_") :] for k in results if k.startswith("mean_test_")
        ]
        if cost_metric is None:
            others = [m for m in metrics if m != accuracy_metric]
            if "score" in metrics:
                cost_metric = "score"
            elif len(others) == 1:
                cost_metric = others[0]
            else:
                raise ValueError(
                    f"Cannot tell which metric is the cost among {metrics}; "
                    "pass cost_metric."
                )
        if f"mean_test_{cost_metric}" not in results:
            raise ValueError(f"No metric {cost_metric!r} in cv_results; got {metrics}.")
        has_accuracy = f"mean_test_{accuracy_metric}" in results
        if x == "error" and not has_accuracy:
            raise ValueError(
                f"x='error' needs an accuracy scorer named {accuracy_metric!r} "
                f"in the search's scoring; its metrics are {metrics}. Add "
                f'"{accuracy_metric}": "accuracy" to scoring or use x="alpha".'
            )

        params = results["params"]
        names = sorted({name for p in params for name in p})
        if alpha_param is None:
            alpha_param = _find_alpha_param(names)
        missing = [i for i, p in enumerate(params) if alpha_param not in p]
        if missing:
            raise ValueError(
                f"{len(missing)} candidates of the search do not set {alpha_param!r}."
            )
        distinct = {name: [] for name in names if name != alpha_param}
        keys = [
            tuple(_distinct_index(distinct[n], p.get(n)) for n in distinct)
            for p in params
        ]
        varied = [k for k, n in enumerate(distinct) if len(distinct[n]) > 1]

        groups = {}
        for i, key in enumerate(keys):
            groups.setdefault(key, []).append(i)
        alphas, costs, costs_std, errors, errors_std, labels = [], [], [], [], [], []
        for key, rows in groups.items():
            rows = np.asarray(rows)
            rows = rows[np.argsort([params[i][alpha_param] for i in rows])]
            alphas.append(np.array([params[i][alpha_param] for i in rows], float))
            costs.append(-np.asarray(results[f"mean_test_{cost_metric}"])[rows])
            costs_std.append(np.asarray(results[f"std_test_{cost_metric}"])[rows])
            if has_accuracy:
                acc = np.asarray(results[f"mean_test_{accuracy_metric}"])[rows]
                errors.append(1.0 - acc)
                errors_std.append(
                    np.asarray(results[f"std_test_{accuracy_metric}"])[rows]
                )
            names_list = list(distinct)
            labels.append(
                ", ".join(
                    _describe(names_list[k], distinct[names_list[k]], key[k])
                    for k in varied
                )
                or None
            )
        display = cls(
            alphas,
            costs,
            errors if has_accuracy else None,
            costs_std=costs_std,
            errors_std=errors_std if has_accuracy else None,
            line_labels=labels if any(labels) else None,
            cost_name=cost_metric if cost_name is None else cost_name,
        )
        return display.plot(x=x, ax=ax, **plot_kw)


def plot_alpha_tradeoff(search, **kwargs):
    """Plot cost against overall error across alpha from a search.

    Shortcut for :meth:`AlphaTradeoffDisplay.from_cv_results`.

    Parameters
    ----------
    search : fitted search or dict
        A fitted :class:`~sklearn.model_selection.GridSearchCV` (or any
        search with ``cv_results_``), or its ``cv_results_``.

    **kwargs : dict
        Keyword arguments of :meth:`AlphaTradeoffDisplay.from_cv_results`.

    Returns
    -------
    display : AlphaTradeoffDisplay
        The plotted display.

    See Also
    --------
    AlphaTradeoffDisplay : The display this function builds.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklimb.plotting import plot_alpha_tradeoff
    >>> cv_results = {
    ...     "params": [{"alpha": 0.0}, {"alpha": 0.9}],
    ...     "mean_test_cost": [-0.05, -0.01], "std_test_cost": [0.01, 0.01],
    ...     "mean_test_accuracy": [0.90, 0.88], "std_test_accuracy": [0.02, 0.02],
    ... }
    >>> disp = plot_alpha_tradeoff(cv_results)
    >>> disp.costs[0].tolist(), disp.errors[0].round(2).tolist()
    ([0.05, 0.01], [0.1, 0.12])
    """
    return AlphaTradeoffDisplay.from_cv_results(search, **kwargs)


class ClassRecallDisplay:
    """Recall of each class as bars, one group of bars per class.

    With imbalanced classes the overall accuracy hides the rare classes;
    their recall shows them. Several models are drawn side by side, each
    labelled with its balanced accuracy (the mean of the recalls).

    Parameters
    ----------
    recalls : ndarray of shape (n_models, n_classes)
        Recall of each class for each model.

    display_labels : array-like of shape (n_classes,)
        Class labels.

    model_names : list of str, default=None
        Name of each model, for the legend.

    Attributes
    ----------
    bars_ : list of matplotlib BarContainer
        One per model.

    ax_ : matplotlib Axes
        Axes of the plot.

    figure_ : matplotlib Figure
        Figure of the plot.

    See Also
    --------
    plot_class_recall : Draw this display from estimators or labels.
    sklearn.metrics.recall_score : The recall of each class.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklimb.plotting import ClassRecallDisplay
    >>> disp = ClassRecallDisplay.from_predictions(
    ...     [0, 0, 0, 1], {"model": [0, 0, 0, 0]})
    >>> disp.recalls
    array([[1., 0.]])
    """

    def __init__(self, recalls, *, display_labels, model_names=None):
        self.recalls = recalls
        self.display_labels = display_labels
        self.model_names = model_names

    def plot(self, *, ax=None, bar_kw=None):
        """Plot the recall bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        bar_kw : dict, default=None
            Keyword arguments of :meth:`matplotlib.axes.Axes.bar`.

        Returns
        -------
        display : ClassRecallDisplay
            The display, with its artists as attributes.
        """
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots()
        recalls = np.atleast_2d(np.asarray(self.recalls, dtype=float))
        n_models, n_classes = recalls.shape
        names = self.model_names or [None] * n_models
        width = 0.8 / n_models
        positions = np.arange(n_classes)
        self.bars_ = []
        for k in range(n_models):
            label = names[k]
            if label is not None:
                label = f"{label} (balanced accuracy {recalls[k].mean():.3f})"
            kw = {"label": label}
            kw.update(bar_kw or {})
            offset = (k - (n_models - 1) / 2) * width
            self.bars_.append(ax.bar(positions + offset, recalls[k], width, **kw))
        ax.set_xticks(positions, [str(label) for label in self.display_labels])
        ax.set_xlabel("class")
        ax.set_ylabel("recall")
        ax.set_ylim(0, 1.05)
        if any(name is not None for name in names):
            ax.legend(loc="lower right", fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_predictions(
        cls, y_true, y_pred, *, labels=None, sample_weight=None, ax=None, **plot_kw
    ):
        """Plot per-class recall of given predictions.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.

        y_pred : array-like of shape (n_samples,) or dict
            Predicted labels, or a dict ``{model name: predicted labels}``.

        labels : array-like of shape (n_classes,), default=None
            Classes to show, in order; None uses the sorted labels of
            ``y_true``.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        **plot_kw : dict
            Other keyword arguments of :meth:`plot`.

        Returns
        -------
        display : ClassRecallDisplay
            The plotted display.
        """
        named = isinstance(y_pred, dict)
        predictions = y_pred if named else {None: y_pred}
        if labels is None:
            labels = unique_labels(y_true)
        recalls = np.array(
            [
                recall_score(
                    y_true,
                    pred,
                    labels=labels,
                    average=None,
                    sample_weight=sample_weight,
                    zero_division=0,
                )
                for pred in predictions.values()
            ]
        )
        display = cls(
            recalls,
            display_labels=np.asarray(labels),
            model_names=list(predictions) if named else None,
        )
        return display.plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, labels=None, ax=None, **kwargs):
        """Plot per-class recall of one or several fitted estimators.

        Parameters
        ----------
        estimator : estimator or dict
            A fitted classifier, or a dict ``{model name: fitted classifier}``.

        X : array-like of shape (n_samples, n_features)
            Input values.

        y : array-like of shape (n_samples,)
            True labels.

        labels : array-like of shape (n_classes,), default=None
            Classes to show, in order; None uses the sorted labels of ``y``.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        **kwargs : dict
            ``sample_weight`` and the keyword arguments of :meth:`plot`.

        Returns
        -------
        display : ClassRecallDisplay
            The plotted display.
        """
        if isinstance(estimator, dict):
            y_pred = {name: est.predict(X) for name, est in estimator.items()}
        else:
            y_pred = estimator.predict(X)
        return cls.from_predictions(y, y_pred, labels=labels, ax=ax, **kwargs)


def plot_class_recall(estimator_or_y_true, X_or_y_pred, y=None, **kwargs):
    """Plot the recall of each class for one or several models.

    Calls :meth:`ClassRecallDisplay.from_estimator` when the first argument
    is a fitted estimator (or a dict of them) and
    :meth:`ClassRecallDisplay.from_predictions` otherwise.

    Parameters
    ----------
    estimator_or_y_true : estimator, dict or array-like of shape (n_samples,)
        A fitted classifier, a dict ``{name: fitted classifier}``, or the true
        labels.

    X_or_y_pred : array-like or dict
        The input values for estimators, else the predicted labels (or a dict
        ``{name: predicted labels}``).

    y : array-like of shape (n_samples,), default=None
        True labels, with estimators only.

    **kwargs : dict
        Keyword arguments of the class methods and of
        :meth:`ClassRecallDisplay.plot`.

    Returns
    -------
    display : ClassRecallDisplay
        The plotted display.

    See Also
    --------
    ClassRecallDisplay : The display this function builds.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklimb.plotting import plot_class_recall
    >>> disp = plot_class_recall([0, 0, 1, 1], {"a": [0, 0, 1, 0], "b": [0, 1, 1, 1]})
    >>> disp.recalls
    array([[1. , 0.5],
           [0.5, 1. ]])
    """
    first = estimator_or_y_true
    is_estimators = _is_estimator(first) or (
        isinstance(first, dict) and all(_is_estimator(v) for v in first.values())
    )
    if is_estimators:
        if y is None:
            raise ValueError("plot_class_recall(estimator, X, y) needs y.")
        return ClassRecallDisplay.from_estimator(first, X_or_y_pred, y, **kwargs)
    if y is not None:
        raise ValueError("y is only used with estimators; got y_true, y_pred and y.")
    return ClassRecallDisplay.from_predictions(first, X_or_y_pred, **kwargs)
