"""Confusion matrix with the penalised cells outlined and their costs."""

import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix
from sklearn.utils.multiclass import unique_labels

from ..penalty import align_penalty_matrix
from ._base import _final_step, _is_estimator, _pyplot


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
