"""Plots of cost-sensitive results, on scikit-learn's Display pattern.

Each ``*Display`` object stores the numbers it plots, draws them with
``plot`` and keeps the matplotlib artists it made as attributes ending in
``_``, like :class:`sklearn.metrics.ConfusionMatrixDisplay`. Build one with
its ``from_estimator``, ``from_predictions`` or ``from_cv_results`` class
method, or with the ``plot_*`` function of the same name. matplotlib is only
imported when something is drawn.
"""

from ._confusion import CostConfusionMatrixDisplay, plot_confusion_matrix
from ._recall import ClassRecallDisplay, plot_class_recall
from ._tradeoff import AlphaTradeoffDisplay, plot_alpha_tradeoff

__all__ = [
    "AlphaTradeoffDisplay",
    "ClassRecallDisplay",
    "CostConfusionMatrixDisplay",
    "plot_alpha_tradeoff",
    "plot_class_recall",
    "plot_confusion_matrix",
]
