"""Per-class recall bars for one or several models."""

import numpy as np
from sklearn.metrics import recall_score
from sklearn.utils.multiclass import unique_labels

from ._base import _is_estimator, _pyplot


class ClassRecallDisplay:
    """Recall of each class as bars, one group of bars per class.

    With imbalanced classes the overall accuracy hides the rare classes;
    their recall shows them. Several models are drawn side by side, each
    labelled with its balanced accuracy (the mean of the recalls).

    Parameters
    ----------
    recalls : ndarray of shape (n_models, n_classes)
        Recall of each class for each model; NaN (no bar) for a class with
        no true samples, which the balanced accuracy leaves out.

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
                label = f"{label} (balanced accuracy {np.nanmean(recalls[k]):.3f})"
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
                    # A class absent from y_true has no recall (not 0):
                    # no bar, and left out of the balanced accuracy.
                    zero_division=np.nan,
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
