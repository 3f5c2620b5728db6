"""Cost-sensitive and imbalance-aware losses on logits.

Every loss is first a pure function of ``logits`` of shape
``(n_samples, n_classes)`` and integer ``target`` of shape ``(n_samples,)``;
the :class:`torch.nn.Module` classes below only store their arguments (tensors
as buffers, so they follow the module to its device) and call the function.

All functions work in log space (:func:`torch.log_softmax`,
:func:`torch.logsumexp`) and never take the logarithm of a probability, so they
stay finite, with finite gradients, for logits as large as ``±1e4``.

Weighting and reduction are shared by every loss. Each sample's loss
:math:`\\ell_i` gets the weight :math:`w_i = c_{y_i} s_i`, the product of its
class weight :math:`c` (``weight``) and its sample weight :math:`s`
(``sample_weight``), both 1 when not given, and

- ``reduction="mean"`` returns :math:`\\sum_i w_i \\ell_i / \\sum_i w_i`, the
  normalisation of :func:`torch.nn.functional.cross_entropy` with class weights;
  with integer sample weights it equals the mean over duplicated rows;
- ``reduction="sum"`` returns :math:`\\sum_i w_i \\ell_i`;
- ``reduction="none"`` returns :math:`w_i \\ell_i`.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "cross_entropy",
    "bilinear_loss",
    "log_bilinear_loss",
    "focal_loss",
    "margin_cross_entropy",
    "class_balanced_loss",
    "ldam_loss",
    "ldam_margins",
    "log_one_minus_softmax",
    "CrossEntropyLoss",
    "BilinearLoss",
    "LogBilinearLoss",
    "FocalLoss",
    "MarginCrossEntropyLoss",
    "ClassBalancedLoss",
    "LDAMLoss",
]

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}.")


def _reduce(per_sample, target, weight, sample_weight, reduction):
    """Apply class and sample weights, then reduce (see the module docstring)."""
    _check_reduction(reduction)
    w = None
    if weight is not None:
        w = torch.as_tensor(weight, dtype=per_sample.dtype, device=per_sample.device)
        w = w[target]
    if sample_weight is not None:
        sw = torch.as_tensor(
            sample_weight, dtype=per_sample.dtype, device=per_sample.device
        )
        if sw.shape != per_sample.shape:
            # Checked because broadcasting would silently give the wrong shape.
            raise ValueError(
                f"sample_weight must have shape (n_samples,) = "
                f"{tuple(per_sample.shape)}, got {tuple(sw.shape)}."
            )
        w = sw if w is None else w * sw
    if w is not None:
        per_sample = per_sample * w
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    if w is None:
        return per_sample.mean()
    return per_sample.sum() / w.sum()


def _check_alpha(alpha):
    if isinstance(alpha, torch.Tensor):
        # A tensor alpha (one per network when sklimb._batched trains many nets
        # under torch.func.vmap) is checked by whoever built it: a value check
        # here would be data-dependent control flow, which vmap cannot trace.
        return
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}.")


def _check_gamma(gamma):
    # Written so that NaN fails too.
    if not float(gamma) >= 0.0:
        raise ValueError(f"gamma must be non-negative, got {gamma!r}.")


def _check_margin(margin):
    if not 0.5 < float(margin) < 1.0:
        raise ValueError(f"margin must be in (0.5, 1), got {margin!r}.")


def _cost_rows(logits, target, penalty_matrix, sample_cost, scale=None):
    """Row ``A[y_i]`` of each sample, or its own cost vector when given.

    A float ``scale`` multiplies the result; with a penalty matrix it is
    applied to ``A`` before the rows are gathered (the smaller tensor).
    """
    if sample_cost is not None:
        costs = torch.as_tensor(sample_cost, dtype=logits.dtype, device=logits.device)
        if costs.shape != logits.shape:
            raise ValueError(
                f"sample_cost must have shape (n_samples, n_classes) = "
                f"{tuple(logits.shape)}, got {tuple(costs.shape)}."
            )
        return costs if scale is None else costs * scale
    if penalty_matrix is None:
        raise ValueError("penalty_matrix is required unless sample_cost is given.")
    A = torch.as_tensor(penalty_matrix, dtype=logits.dtype, device=logits.device)
    if scale is None:
        return A[target]
    return (A * scale).index_select(0, target)


def log_one_minus_softmax(logits):
    """Stable :math:`\\log(1 - \\mathrm{softmax}(z)_j)` for every class ``j``.

    Every class but the most probable one has :math:`\\hat y_j \\le 1/2`,
    where :math:`\\log(1 - \\hat y_j)` is ``log1p(-exp(log_softmax))``,
    accurate and with a gradient bounded by 1. For the most probable class it
    is :math:`\\mathrm{logsumexp}_{k \\neq j} z_k - \\mathrm{logsumexp}_k
    z_k`, which stays finite when :math:`\\hat y_j` rounds to 1. Time and
    memory grow with the number of classes, not with its square.

    Parameters
    ----------
    logits : Tensor of shape (..., n_classes)
        Unnormalised scores.

    Returns
    -------
    log_q : Tensor of the shape of ``logits``
        :math:`\\log(1 - \\hat y_j)` for every class ``j``.

    Examples
    --------
    >>> import torch
    >>> from sklimb.losses import log_one_minus_softmax
    >>> z = torch.tensor([[1e4, 0.0, 0.0]])
    >>> torch.isfinite(log_one_minus_softmax(z)).all().item()
    True
    """
    return _log_p_and_log_q(logits)[1]


def _log_p_and_log_q(logits):
    """``log_softmax(logits)`` and :func:`log_one_minus_softmax` from one
    log-sum-exp."""
    n_classes = logits.shape[-1]
    # Shifting by the row maximum first keeps both log-sum-exps small, so their
    # difference does not cancel catastrophically when the logits are large
    # (in float32, logits of 1e4 would otherwise lose three digits).
    z = logits - logits.amax(dim=-1, keepdim=True).detach()
    lse = torch.logsumexp(z, dim=-1, keepdim=True)
    # One class per row (the first maximum) takes the log-sum-exp route; a
    # comparison with arange rather than one_hot also works under vmap.
    classes = torch.arange(n_classes, device=logits.device)
    top = classes == z.argmax(dim=-1, keepdim=True)
    # -1 in place of the top class's log-probability: its log1p branch is
    # discarded, and a finite input keeps that branch's gradient at zero.
    log_p = z - lse
    rest = torch.log1p(-torch.exp(log_p.masked_fill(top, -1.0)))
    others = torch.logsumexp(z.masked_fill(top, float("-inf")), dim=-1, keepdim=True)
    return log_p, torch.where(top, others - lse, rest)


def _ce_per_sample(logits, target):
    return F.cross_entropy(logits, target, reduction="none")


def cross_entropy(logits, target, *, weight=None, sample_weight=None, reduction="mean"):
    """Cross-entropy, optionally class- and sample-weighted.

    Parameters
    ----------
    logits : Tensor of shape (n_samples, n_classes)
        Unnormalised scores.
    target : LongTensor of shape (n_samples,)
        Class indices.
    weight : Tensor of shape (n_classes,), default=None
        Class weights (class-weighted cross-entropy).
    sample_weight : Tensor of shape (n_samples,), default=None
        Per-sample weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    Returns
    -------
    loss : Tensor
        A scalar, or of shape (n_samples,) with ``reduction="none"``.

    Examples
    --------
    >>> import torch
    >>> from sklimb.losses import cross_entropy
    >>> z = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    >>> round(cross_entropy(z, torch.tensor([0, 1])).item(), 4)
    0.1269
    """
    if sample_weight is None:
        # PyTorch's own kernel normalises class weights exactly like _reduce.
        _check_reduction(reduction)
        if weight is not None:
            weight = torch.as_tensor(weight, dtype=logits.dtype, device=logits.device)
        return F.cross_entropy(logits, target, weight=weight, reduction=reduction)
    return _reduce(
        _ce_per_sample(logits, target), target, weight, sample_weight, reduction
    )


def bilinear_loss(
    logits,
    target,
    penalty_matrix=None,
    *,
    alpha=0.5,
    weight=None,
    sample_weight=None,
    sample_cost=None,
    reduction="mean",
):
    """Cross-entropy mixed with the bilinear loss :math:`y^T A \\hat y`.

    .. math::
        \\ell = (1 - \\alpha)\\,\\mathrm{CE} + \\alpha\\, \\sum_j A_{y j}\\,
        \\hat y_j

    Parameters
    ----------
    logits : Tensor of shape (n_samples, n_classes)
        Unnormalised scores (the network's output).
    target : LongTensor of shape (n_samples,)
        Class indices.
    penalty_matrix : Tensor of shape (n_classes, n_classes), default=None
        ``A[i, j]`` is the cost of predicting ``j`` when the truth is ``i``.
        Needed unless ``sample_cost`` is given.
    alpha : float, default=0.5
        Weight of the bilinear term, in [0, 1]; 0 gives cross-entropy.
    weight : Tensor of shape (n_classes,), default=None
        Class weights.
    sample_weight : Tensor of shape (n_samples,), default=None
        Per-sample weights.
    sample_cost : Tensor of shape (n_samples, n_classes), default=None
        Per-sample cost of predicting each class, used in place of ``A[y]``.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    Returns
    -------
    loss : Tensor
        A scalar, or of shape (n_samples,) with ``reduction="none"``.

    References
    ----------
    Resheff, Mandelbom, Weinshall. "Controlling imbalanced error in deep
    learning with the log bilinear loss", 2017.

    Examples
    --------
    >>> import torch
    >>> from sklimb.losses import bilinear_loss
    >>> z = torch.tensor([[0.0, 0.0]])
    >>> A = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    >>> bilinear_loss(z, torch.tensor([0]), A, alpha=1.0).item()
    0.5
    """
    return _cost_loss(
        logits,
        target,
        penalty_matrix,
        alpha,
        weight,
        sample_weight,
        sample_cost,
        reduction,
        log=False,
    )


def _cost_loss(
    logits,
    target,
    penalty_matrix,
    alpha,
    weight,
    sample_weight,
    sample_cost,
    reduction,
    log,
):
    """:func:`bilinear_loss` (``log=False``) or :func:`log_bilinear_loss`."""
    _check_alpha(alpha)
    if (
        weight is None
        and sample_weight is None
        and reduction != "none"
        and not isinstance(alpha, torch.Tensor)  # vmapped: one alpha per net
        and len(logits) > 0
        # nll_loss sums float16 in float16 on the CPU (inf beyond 65504 rows).
        and logits.dtype in (torch.float32, torch.float64)
    ):
        return _unweighted_cost_loss(
            logits, target, penalty_matrix, alpha, sample_cost, reduction, log
        )
    costs = _cost_rows(logits, target, penalty_matrix, sample_cost)
    log_p, term = _log_p_and_cost_term(logits, log)
    cost = (costs * term).sum(dim=-1)
    if log:
        cost = -cost
    ce = -log_p.gather(-1, target[:, None])[:, 0]
    per_sample = (1 - alpha) * ce + alpha * cost
    return _reduce(per_sample, target, weight, sample_weight, reduction)


def _log_p_and_cost_term(logits, log):
    """The log-probabilities and what the cost rows multiply: the
    probabilities (``log=False``) or :math:`\\log(1 - \\hat y)`
    (``log=True``), from one log-sum-exp."""
    if log:
        return _log_p_and_log_q(logits)
    log_p = torch.log_softmax(logits, dim=-1)
    return log_p, log_p.exp()


def _unweighted_cost_loss(
    logits, target, penalty_matrix, alpha, sample_cost, reduction, log
):
    """:func:`bilinear_loss` (``log=False``) or :func:`log_bilinear_loss`
    (``log=True``) without weights, in as few operations as possible.

    The batch's cost term is one dot product of the cost rows (scaled by
    ``alpha``, and by ``1 / n`` for the mean, before they are gathered) with
    the probabilities or with :math:`-\\log(1 - \\hat y)`, and cross-entropy
    is PyTorch's ``nll_loss`` of the same log-probabilities. On a small
    network every operation, and its node in the backward pass, costs about
    as much as a layer of the model; the bilinear loss records six here where
    the general path records about twelve (``benchmarks/README.md``).
    """
    _check_reduction(reduction)
    scale = float(alpha) / len(logits) if reduction == "mean" else float(alpha)
    # The log-bilinear term is -c . log(1 - p): the sign goes into the scale.
    costs = _cost_rows(
        logits, target, penalty_matrix, sample_cost, -scale if log else scale
    )
    log_p, term = _log_p_and_cost_term(logits, log)
    cost = torch.dot(costs.reshape(-1), term.reshape(-1))
    ce = F.nll_loss(log_p, target, reduction=reduction)
    return torch.add(cost, ce, alpha=1.0 - float(alpha))


def log_bilinear_loss(
    logits,
    target,
    penalty_matrix=None,
    *,
    alpha=0.5,
    weight=None,
    sample_weight=None,
    sample_cost=None,
    reduction="mean",
):
    """Cross-entropy mixed with the log-bilinear loss.

    The log-bilinear term is :math:`-y^T A \\log(1 - \\hat y)`:

    .. math::
        \\ell = (1 - \\alpha)\\,\\mathrm{CE} - \\alpha\\, \\sum_j A_{y j}
        \\log(1 - \\hat y_j)

    :math:`\\log(1 - \\hat y_j)` is computed by :func:`log_one_minus_softmax`.

    Parameters
    ----------
    logits : Tensor of shape (n_samples, n_classes)
        Unnormalised scores (the network's output).
    target : LongTensor of shape (n_samples,)
        Class indices.
    penalty_matrix : Tensor of shape (n_classes, n_classes), default=None
        ``A[i, j]`` is the cost of predicting ``j`` when the truth is ``i``.
        Needed unless ``sample_cost`` is given.
    alpha : float, default=0.5
        Weight of the log-bilinear term, in [0, 1]; 0 gives cross-entropy.
    weight : Tensor of shape (n_classes,), default=None
        Class weights.
    sample_weight : Tensor of shape (n_samples,), default=None
        Per-sample weights.
    sample_cost : Tensor of shape (n_samples, n_classes), default=None
        Per-sample cost of predicting each class, used in place of ``A[y]``.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    Returns
    -------
    loss : Tensor
        A scalar, or of shape (n_samples,) with ``reduction="none"``.

    References
    ----------
    Resheff, Mandelbom, Weinshall. "Controlling imbalanced error in deep
    learning with the log bilinear loss", 2017.

    Examples
    --------
    >>> import torch
    >>> from sklimb.losses import log_bilinear_loss
    >>> z = torch.tensor([[0.0, 0.0]])
    >>> A = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    >>> round(log_bilinear_loss(z, torch.tensor([0]), A, alpha=1.0).item(), 4)
    0.6931
    """
    return _cost_loss(
        logits,
        target,
        penalty_matrix,
        alpha,
        weight,
        sample_weight,
        sample_cost,
        reduction,
        log=True,
    )


def focal_loss(
    logits, target, *, gamma=2.0, weight=None, sample_weight=None, reduction="mean"
):
    """Multiclass softmax focal loss :math:`-(1 - \\hat y_y)^\\gamma \\log \\hat y_y`.

    Class weights multiply each sample's loss and ``reduction="mean"`` divides
    by the sum of the weights, exactly as class-weighted cross-entropy does, so
    ``gamma=0`` gives :func:`cross_entropy` for any ``weight``. (This is the
    softmax form of Wu's "Variant loss function to fix sample-imbalanced
    problems" and of Lin et al.; not the one-vs-all sigmoid form.)

    Parameters
    ----------
    logits : Tensor of shape (n_samples, n_classes)
        Unnormalised scores (the network's output).
    target : LongTensor of shape (n_samples,)
        Class indices.
    gamma : float, default=2.0
        Focusing parameter, non-negative; 0 gives cross-entropy.
    weight : Tensor of shape (n_classes,), default=None
        Class weights.
    sample_weight : Tensor of shape (n_samples,), default=None
        Per-sample weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    Returns
    -------
    loss : Tensor
        A scalar, or of shape (n_samples,) with ``reduction="none"``.

    References
    ----------
    Lin, Goyal, Girshick, He, Dollár. "Focal loss for dense object
    detection", ICCV 2017.

    Examples
    --------
    >>> import torch
    >>> from sklimb.losses import cross_entropy, focal_loss
    >>> z, y = torch.tensor([[1.0, -1.0]]), torch.tensor([1])
    >>> bool(torch.isclose(focal_loss(z, y, gamma=0.0), cross_entropy(z, y)))
    True
    """
    _check_gamma(gamma)
    log_p = torch.log_softmax(logits, dim=-1).gather(-1, target[:, None])[:, 0]
    if gamma == 0:
        # Exactly cross-entropy, even where log(1 - p_y) is -inf (0 * -inf).
        return _reduce(-log_p, target, weight, sample_weight, reduction)
    # 1 - p_y computed as exp(log(1 - p_y)) stays accurate when p_y is near 1.
    log_q = log_one_minus_softmax(logits).gather(-1, target[:, None])[:, 0]
    per_sample = -torch.exp(gamma * log_q) * log_p
    return _reduce(per_sample, target, weight, sample_weight, reduction)


def margin_cross_entropy(
    logits, target, *, margin=0.9, weight=None, sample_weight=None, reduction="mean"
):
    """Cross-entropy restricted to the "wrong-easily area".

    Samples whose true-class probability is already above ``margin`` contribute
    no loss; the others contribute their cross-entropy.

    Parameters
    ----------
    logits : Tensor of shape (n_samples, n_classes)
        Unnormalised scores (the network's output).
    target : LongTensor of shape (n_samples,)
        Class indices.
    margin : float, default=0.9
        Threshold ``m`` in (0.5, 1).
    weight : Tensor of shape (n_classes,), default=None
        Class weights.
    sample_weight : Tensor of shape (n_samples,), default=None
        Per-sample weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    Returns
    -------
    loss : Tensor
        A scalar, or of shape (n_samples,) with ``reduction="none"``.

    References
    ----------
    Wu. "Variant loss function to fix sample-imbalanced problems", 2019.

    Examples
    --------
    >>> import torch
    >>> from sklimb.losses import margin_cross_entropy
    >>> z = torch.tensor([[5.0, 0.0], [0.0, 0.0]])
    >>> margin_cross_entropy(z, torch.tensor([0, 0]), reduction="none")
    tensor([0.0000, 0.6931])
    """
    _check_margin(margin)
    ce = _ce_per_sample(logits, target)
    # -ce is log p_y: compare in log space.
    keep = (-ce <= math.log(margin)).to(ce.dtype)
    return _reduce(ce * keep, target, weight, sample_weight, reduction)


def _check_base(base):
    if base not in ("cross_entropy", "focal"):
        raise ValueError(f"base must be 'cross_entropy' or 'focal', got {base!r}.")


def _effective_weights(class_counts, beta, dtype, device):
    # Imported lazily: sklimb.weights is numpy-only and shared by estimators.
    from .weights import compute_class_weight

    counts = torch.as_tensor(class_counts).detach().cpu().numpy()
    w = compute_class_weight(
        "effective_number",
        classes=list(range(len(counts))),
        class_counts=counts,
        beta=beta,
    )
    return torch.as_tensor(w, dtype=dtype, device=device)


def class_balanced_loss(
    logits,
    target,
    class_counts,
    *,
    beta=0.999,
    base="cross_entropy",
    gamma=2.0,
    sample_weight=None,
    reduction="mean",
):
    """Class-balanced loss (Cui et al. 2019) over cross-entropy or focal loss.

    Class ``c`` gets the weight :math:`(1 - \\beta) / (1 - \\beta^{n_c})`,
    normalised to sum to the number of classes, where :math:`n_c` is its
    number of training samples.

    Parameters
    ----------
    logits : Tensor of shape (n_samples, n_classes)
        Unnormalised scores (the network's output).
    target : LongTensor of shape (n_samples,)
        Class indices.
    class_counts : array-like of shape (n_classes,)
        Training samples per class.
    beta : float, default=0.999
        In [0, 1); 0 gives uniform weights, values near 1 inverse frequency.
    base : {"cross_entropy", "focal"}, default="cross_entropy"
        The loss that the class weights multiply.
    gamma : float, default=2.0
        Focusing parameter when ``base="focal"``.
    sample_weight : Tensor of shape (n_samples,), default=None
        Per-sample weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    Returns
    -------
    loss : Tensor
        A scalar, or of shape (n_samples,) with ``reduction="none"``.

    References
    ----------
    Cui, Jia, Lin, Song, Belongie. "Class-balanced loss based on effective
    number of samples", CVPR 2019.

    Examples
    --------
    >>> import torch
    >>> from sklimb.losses import class_balanced_loss, cross_entropy
    >>> z, y = torch.zeros(2, 2), torch.tensor([0, 1])
    >>> round(class_balanced_loss(z, y, [90, 10], beta=0.9).item(), 4)
    0.6931
    """
    _check_base(base)
    weight = _effective_weights(class_counts, beta, logits.dtype, logits.device)
    if base == "cross_entropy":
        return cross_entropy(
            logits,
            target,
            weight=weight,
            sample_weight=sample_weight,
            reduction=reduction,
        )
    if base == "focal":
        return focal_loss(
            logits,
            target,
            gamma=gamma,
            weight=weight,
            sample_weight=sample_weight,
            reduction=reduction,
        )


def ldam_margins(class_counts, max_margin=0.5):
    """LDAM margins :math:`C / n_c^{1/4}`, the largest equal to ``max_margin``.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class, positive.
    max_margin : float, default=0.5
        Margin of the rarest class.

    Returns
    -------
    margins : Tensor of shape (n_classes,), float64
        The margin of each class.

    Examples
    --------
    >>> from sklimb.losses import ldam_margins
    >>> ldam_margins([10000, 1], max_margin=0.5)
    tensor([0.0500, 0.5000], dtype=torch.float64)
    """
    counts = torch.as_tensor(class_counts, dtype=torch.float64)
    if counts.ndim != 1 or counts.numel() == 0:
        raise ValueError(
            f"class_counts must be a non-empty 1-D array of counts, got shape "
            f"{tuple(counts.shape)}."
        )
    if not (torch.isfinite(counts).all() and (counts > 0).all()):
        raise ValueError(
            f"class_counts must all be positive and finite for LDAM margins, got "
            f"{counts.tolist()}."
        )
    if not float(max_margin) >= 0.0:
        raise ValueError(f"max_margin must be non-negative, got {max_margin!r}.")
    m = counts.pow(-0.25)
    return m * (max_margin / m.max())


def ldam_loss(
    logits,
    target,
    class_counts=None,
    *,
    max_margin=0.5,
    scale=1.0,
    margins=None,
    weight=None,
    sample_weight=None,
    reduction="mean",
):
    """Label-distribution-aware margin loss (Cao et al. 2019).

    The true-class logit is lowered by its class margin
    :math:`\\Delta_y = C / n_y^{1/4}` and the result, times ``scale``, goes
    through cross-entropy: :math:`\\mathrm{CE}(s\\,(z - \\Delta_y e_y), y)`.

    Parameters
    ----------
    logits : Tensor of shape (n_samples, n_classes)
        Unnormalised scores (the network's output).
    target : LongTensor of shape (n_samples,)
        Class indices.
    class_counts : array-like of shape (n_classes,), default=None
        Training samples per class; used when ``margins`` is None.
    max_margin : float, default=0.5
        Largest margin (that of the rarest class).
    scale : float, default=1.0
        ``s``. The reference implementation uses 30 on a cosine-normalised
        last layer; on the plain logits of an ordinary linear layer, 1 keeps
        the margin in the logits' own units.
    margins : Tensor of shape (n_classes,), default=None
        Precomputed margins (see :func:`ldam_margins`).
    weight : Tensor of shape (n_classes,), default=None
        Class weights; deferred re-weighting (DRW) sets these late in
        training.
    sample_weight : Tensor of shape (n_samples,), default=None
        Per-sample weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    Returns
    -------
    loss : Tensor
        A scalar, or of shape (n_samples,) with ``reduction="none"``.

    References
    ----------
    Cao, Wei, Gaidon, Arechiga, Ma. "Learning imbalanced datasets with
    label-distribution-aware margin loss", NeurIPS 2019.

    Examples
    --------
    >>> import torch
    >>> from sklimb.losses import ldam_loss, cross_entropy
    >>> z, y = torch.tensor([[1.0, 0.0]]), torch.tensor([0])
    >>> ldam_loss(z, y, [10, 10]).item() > cross_entropy(z, y).item()
    True
    """
    if margins is None:
        if class_counts is None:
            raise ValueError("ldam_loss needs class_counts or margins.")
        margins = ldam_margins(class_counts, max_margin)
    margins = torch.as_tensor(margins, dtype=logits.dtype, device=logits.device)
    shifted = (
        logits
        - F.one_hot(target, logits.shape[-1]).to(logits.dtype)
        * margins[target][:, None]
    )
    per_sample = _ce_per_sample(scale * shifted, target)
    return _reduce(per_sample, target, weight, sample_weight, reduction)


def _as_buffer(value, dtype=torch.float32):
    return None if value is None else torch.as_tensor(value, dtype=dtype).clone()


class _WeightedLoss(nn.Module):
    """Base of the loss modules: holds class weights and the reduction."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__()
        _check_reduction(reduction)
        self.register_buffer("weight", _as_buffer(weight))
        self.reduction = reduction


class CrossEntropyLoss(_WeightedLoss):
    """Module form of :func:`cross_entropy`.

    Parameters
    ----------
    weight : array-like of shape (n_classes,), default=None
        Class weights, stored as a buffer.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    See Also
    --------
    cross_entropy : The function it calls.
    """

    def forward(self, logits, target, sample_weight=None):
        return cross_entropy(
            logits,
            target,
            weight=self.weight,
            sample_weight=sample_weight,
            reduction=self.reduction,
        )


class BilinearLoss(_WeightedLoss):
    """Module form of :func:`bilinear_loss`; ``penalty_matrix`` is a buffer.

    Parameters
    ----------
    penalty_matrix : array-like of shape (n_classes, n_classes)
        ``A[i, j]`` is the cost of predicting ``j`` when the truth is ``i``.
    alpha : float, default=0.5
        Weight of the cost term, in [0, 1].
    weight : array-like of shape (n_classes,), default=None
        Class weights, stored as a buffer.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    See Also
    --------
    bilinear_loss : The function it calls.
    """

    _fn = staticmethod(bilinear_loss)

    def __init__(self, penalty_matrix, alpha=0.5, weight=None, reduction="mean"):
        super().__init__(weight, reduction)
        _check_alpha(alpha)
        self.register_buffer("penalty_matrix", _as_buffer(penalty_matrix))
        self.alpha = float(alpha)

    def forward(self, logits, target, sample_weight=None, sample_cost=None):
        return self._fn(
            logits,
            target,
            self.penalty_matrix,
            alpha=self.alpha,
            weight=self.weight,
            sample_weight=sample_weight,
            sample_cost=sample_cost,
            reduction=self.reduction,
        )


class LogBilinearLoss(BilinearLoss):
    """Module form of :func:`log_bilinear_loss`; ``penalty_matrix`` is a buffer.

    Parameters
    ----------
    penalty_matrix : array-like of shape (n_classes, n_classes)
        ``A[i, j]`` is the cost of predicting ``j`` when the truth is ``i``.
    alpha : float, default=0.5
        Weight of the cost term, in [0, 1].
    weight : array-like of shape (n_classes,), default=None
        Class weights, stored as a buffer.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    See Also
    --------
    log_bilinear_loss : The function it calls.
    """

    _fn = staticmethod(log_bilinear_loss)


class FocalLoss(_WeightedLoss):
    """Module form of :func:`focal_loss`.

    Parameters
    ----------
    gamma : float, default=2.0
        Focusing parameter, non-negative.
    weight : array-like of shape (n_classes,), default=None
        Class weights, stored as a buffer.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    See Also
    --------
    focal_loss : The function it calls.
    """

    def __init__(self, gamma=2.0, weight=None, reduction="mean"):
        super().__init__(weight, reduction)
        _check_gamma(gamma)
        self.gamma = float(gamma)

    def forward(self, logits, target, sample_weight=None):
        return focal_loss(
            logits,
            target,
            gamma=self.gamma,
            weight=self.weight,
            sample_weight=sample_weight,
            reduction=self.reduction,
        )


class MarginCrossEntropyLoss(_WeightedLoss):
    """Module form of :func:`margin_cross_entropy`.

    Parameters
    ----------
    margin : float, default=0.9
        Threshold ``m`` in (0.5, 1).
    weight : array-like of shape (n_classes,), default=None
        Class weights, stored as a buffer.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    See Also
    --------
    margin_cross_entropy : The function it calls.
    """

    def __init__(self, margin=0.9, weight=None, reduction="mean"):
        super().__init__(weight, reduction)
        _check_margin(margin)
        self.margin = float(margin)

    def forward(self, logits, target, sample_weight=None):
        return margin_cross_entropy(
            logits,
            target,
            margin=self.margin,
            weight=self.weight,
            sample_weight=sample_weight,
            reduction=self.reduction,
        )


class ClassBalancedLoss(nn.Module):
    """Module form of :func:`class_balanced_loss`; weights computed once.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class.
    beta : float, default=0.999
        Effective-number parameter, in [0, 1).
    base : {"cross_entropy", "focal"}, default="cross_entropy"
        The loss that the class weights multiply.
    gamma : float, default=2.0
        Focusing parameter when ``base="focal"``.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    See Also
    --------
    class_balanced_loss : The function it calls.
    """

    def __init__(
        self,
        class_counts,
        beta=0.999,
        base="cross_entropy",
        gamma=2.0,
        reduction="mean",
    ):
        super().__init__()
        _check_base(base)
        _check_reduction(reduction)
        if base == "focal":
            _check_gamma(gamma)
        self.register_buffer(
            "weight", _effective_weights(class_counts, beta, torch.float32, "cpu")
        )
        self.base, self.gamma, self.reduction = base, float(gamma), reduction

    def forward(self, logits, target, sample_weight=None):
        if self.base == "focal":
            return focal_loss(
                logits,
                target,
                gamma=self.gamma,
                weight=self.weight,
                sample_weight=sample_weight,
                reduction=self.reduction,
            )
        return cross_entropy(
            logits,
            target,
            weight=self.weight,
            sample_weight=sample_weight,
            reduction=self.reduction,
        )


class LDAMLoss(_WeightedLoss):
    """Module form of :func:`ldam_loss`; margins are a buffer.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class, from which the margins are computed.
    max_margin : float, default=0.5
        Margin of the rarest class.
    scale : float, default=1.0
        Logit scale ``s``.
    weight : array-like of shape (n_classes,), default=None
        Class weights, stored as a buffer.
    reduction : {"mean", "sum", "none"}, default="mean"
        See the module docstring for the weighted normalisation.

    See Also
    --------
    ldam_loss : The function it calls.
    """

    def __init__(
        self, class_counts, max_margin=0.5, scale=1.0, weight=None, reduction="mean"
    ):
        super().__init__(weight, reduction)
        self.register_buffer(
            "margins", ldam_margins(class_counts, max_margin).to(torch.float32)
        )
        self.scale = float(scale)

    def forward(self, logits, target, sample_weight=None):
        return ldam_loss(
            logits,
            target,
            margins=self.margins,
            scale=self.scale,
            weight=self.weight,
            sample_weight=sample_weight,
            reduction=self.reduction,
        )
