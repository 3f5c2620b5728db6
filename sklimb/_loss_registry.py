"""Loss names, the estimator parameters each loss reads, and criterion building.

Every named loss of the nets is one :class:`LossEntry`: the function that
builds its :mod:`sklimb.losses` module from the estimator's parameters, and
the parameters it reads. The estimators (and any other trainer) build their
criterion through :func:`build_criterion`, so a parameter such as ``alpha``
reaches the same loss module by one path.
"""

import inspect
import warnings
from dataclasses import dataclass

import torch

from . import losses as L
from .weights import compute_class_weight

__all__ = [
    "COST_LOSSES",
    "LOSSES",
    "LOSS_PARAMETERS",
    "LossEntry",
    "build_criterion",
    "ignored_parameters",
    "uses_sample_cost",
]


@dataclass(frozen=True)
class LossEntry:
    """One named loss.

    Attributes
    ----------
    name : str
        The value of the estimators' ``loss`` parameter.
    build : callable
        ``build(params, class_counts, penalty_matrix, weight) -> nn.Module``.
    reads : tuple of str
        Estimator parameters the loss uses.
    """

    name: str
    build: object
    reads: tuple


def _ce(p, counts, A, w):
    return L.CrossEntropyLoss(weight=w)


def _bilinear(p, counts, A, w):
    return L.BilinearLoss(A, alpha=p["alpha"], weight=w)


def _log_bilinear(p, counts, A, w):
    return L.LogBilinearLoss(A, alpha=p["alpha"], weight=w)


def _focal(p, counts, A, w):
    return L.FocalLoss(gamma=p["gamma"], weight=w)


def _margin(p, counts, A, w):
    return L.MarginCrossEntropyLoss(margin=p["margin"], weight=w)


def _class_balanced(p, counts, A, w):
    return L.ClassBalancedLoss(counts, beta=p["beta"], base="cross_entropy")


def _class_balanced_focal(p, counts, A, w):
    return L.ClassBalancedLoss(counts, beta=p["beta"], base="focal", gamma=p["gamma"])


def _ldam(p, counts, A, w):
    return L.LDAMLoss(counts, max_margin=p["max_margin"], scale=p["scale"], weight=w)


_CW = ("class_weight",)
_ENTRIES = (
    LossEntry("cross_entropy", _ce, _CW),
    LossEntry("weighted_cross_entropy", _ce, _CW),
    LossEntry("bilinear", _bilinear, ("penalty_matrix", "alpha", *_CW)),
    LossEntry("log_bilinear", _log_bilinear, ("penalty_matrix", "alpha", *_CW)),
    LossEntry("focal", _focal, ("gamma", *_CW)),
    LossEntry("margin", _margin, ("margin", *_CW)),
    LossEntry("class_balanced", _class_balanced, ("beta",)),
    LossEntry("class_balanced_focal", _class_balanced_focal, ("beta", "gamma")),
    LossEntry("ldam", _ldam, ("max_margin", "scale", *_CW)),
)
REGISTRY = {entry.name: entry for entry in _ENTRIES}
# Losses built from the class counts.
_COUNT_LOSSES = ("class_balanced", "class_balanced_focal", "ldam")

#: Names accepted by the estimators' ``loss`` parameter.
LOSSES = tuple(REGISTRY)
#: Losses that read a penalty matrix (and accept ``sample_cost``).
COST_LOSSES = tuple(n for n, e in REGISTRY.items() if "penalty_matrix" in e.reads)
#: Every estimator parameter some loss reads.
LOSS_PARAMETERS = (
    "penalty_matrix",
    "alpha",
    "class_weight",
    "gamma",
    "beta",
    "margin",
    "max_margin",
    "scale",
)


def ignored_parameters(loss):
    """Loss parameters that ``loss`` does not read.

    Parameters
    ----------
    loss : str or callable
        A registered name; a callable reads none of them.

    Returns
    -------
    names : tuple of str

    Examples
    --------
    >>> from sklimb._loss_registry import ignored_parameters
    >>> ignored_parameters("focal")
    ('penalty_matrix', 'alpha', 'beta', 'margin', 'max_margin', 'scale')
    """
    reads = REGISTRY[loss].reads if isinstance(loss, str) else ()
    return tuple(p for p in LOSS_PARAMETERS if p not in reads)


def uses_sample_cost(loss):
    """Whether ``loss`` takes per-sample costs (the bilinear losses)."""
    return isinstance(loss, str) and loss in COST_LOSSES


class CallableLoss(torch.nn.Module):
    """Wrap a user's ``loss(logits, target, **kw) -> scalar`` as a criterion.

    Mistakes in the callable (a signature that does not take two
    arguments, a result that is not a scalar tensor) are reported naming the
    ``loss`` parameter, at the first batch.
    """

    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        try:
            signature = inspect.signature(fn)
        except (TypeError, ValueError):  # some builtins have no signature
            signature = None
        if signature is not None:
            try:
                signature.bind(None, None)
            except TypeError as exc:
                raise TypeError(
                    f"loss={fn!r} must be callable as loss(logits, target): {exc}."
                ) from None
        params = {} if signature is None else signature.parameters
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
        self.accepts = {
            k for k in ("sample_weight", "sample_cost") if k in params or var_kw
        }

    def forward(self, logits, target, **kwargs):
        unknown = set(kwargs) - self.accepts
        if unknown:
            raise TypeError(
                f"the loss callable {self.fn!r} does not accept "
                f"{', '.join(sorted(unknown))}; add it to its signature."
            )
        out = self.fn(logits, target, **kwargs)
        if not isinstance(out, torch.Tensor) or out.ndim != 0:
            what = (
                f"a tensor of shape {tuple(out.shape)}"
                if isinstance(out, torch.Tensor)
                else f"a {type(out).__name__}"
            )
            raise TypeError(
                f"loss={self.fn!r} must return a scalar tensor (reduce the "
                f"per-sample losses, e.g. with .mean()), but returned {what}."
            )
        return out


def build_criterion(
    loss, params, *, classes, class_counts, penalty_matrix, criterion_params=None
):
    """Build the criterion of a fit and the class weights it applies.

    Parameters
    ----------
    loss : str, callable, nn.Module instance or nn.Module class
        The estimator's ``loss`` parameter.
    params : dict
        The estimator's loss parameters (:data:`LOSS_PARAMETERS`).
    classes : ndarray of shape (n_classes,)
    class_counts : ndarray of shape (n_classes,)
        Training samples per class.
    penalty_matrix : ndarray of shape (n_classes, n_classes) or None
        The penalty matrix aligned to ``classes``.
    criterion_params : dict, default=None
        Keyword arguments of a module class given as ``loss``.

    Returns
    -------
    criterion : torch.nn.Module
    class_weight : ndarray of shape (n_classes,) or None
        The class weights the criterion applies.
    """
    class_weight = params.get("class_weight")
    if not isinstance(loss, str):
        if class_weight is not None:
            warnings.warn(
                "class_weight is not applied to a callable loss; weight the "
                "classes inside the loss, or pass sample_weight to fit.",
                UserWarning,
                stacklevel=3,
            )
        if isinstance(loss, torch.nn.Module):
            return loss, None
        if isinstance(loss, type) and issubclass(loss, torch.nn.Module):
            return loss(**(criterion_params or {})), None
        return CallableLoss(loss), None
    entry = REGISTRY[loss]
    if loss in _COUNT_LOSSES:
        empty = [
            c for c, n in zip(classes.tolist(), class_counts, strict=True) if n <= 0
        ]
        if empty:
            # Said here: the losses' own checks name their internals
            # (class_weight='effective_number', class_counts).
            raise ValueError(
                f"loss={loss!r} is computed from the number of training samples "
                f"of each class, and these classes have none: {empty}. Remove "
                "them from classes, or use a loss that does not count classes."
            )
    if loss == "weighted_cross_entropy" and class_weight is None:
        class_weight = "balanced"
    weight = None
    if "class_weight" in entry.reads and class_weight is not None:
        weight = compute_class_weight(
            class_weight,
            classes=classes,
            class_counts=class_counts,
            beta=params["beta"],
        )
    return entry.build(params, class_counts, penalty_matrix, weight), weight
