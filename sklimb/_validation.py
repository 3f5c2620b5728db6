"""Validation of the nets' parameters and fit-time inputs."""

import numpy as np
from sklearn.utils.validation import _check_sample_weight

LOSSES = (
    "cross_entropy",
    "weighted_cross_entropy",
    "bilinear",
    "log_bilinear",
    "focal",
    "margin",
    "class_balanced",
    "class_balanced_focal",
    "ldam",
)
COST_LOSSES = ("bilinear", "log_bilinear")
CLASS_BALANCED_LOSSES = ("class_balanced", "class_balanced_focal")
DECISIONS = ("argmax", "min_risk")


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_net_params(net):
    """Raise a ValueError naming the first invalid hyperparameter of ``net``."""
    loss = net.loss
    if not (callable(loss) or loss in LOSSES):
        raise ValueError(f"loss must be one of {LOSSES} or a callable, got {loss!r}.")
    if not isinstance(net.alpha, (int, float)) or not 0 <= net.alpha <= 1:
        raise ValueError(f"alpha must be a float in [0, 1], got {net.alpha!r}.")
    if not net.gamma >= 0:
        raise ValueError(f"gamma must be non-negative, got {net.gamma!r}.")
    if not 0 <= net.beta < 1:
        raise ValueError(f"beta must be in [0, 1), got {net.beta!r}.")
    if not 0.5 < net.margin < 1:
        raise ValueError(f"margin must be in (0.5, 1), got {net.margin!r}.")
    for name in ("max_margin", "scale"):
        if not getattr(net, name) > 0:
            raise ValueError(f"{name} must be positive, got {getattr(net, name)!r}.")
    if net.decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, got {net.decision!r}.")
    if not 0 < net.validation_fraction < 1:
        raise ValueError(
            f"validation_fraction must be in (0, 1), got {net.validation_fraction!r}."
        )
    if not (_is_int(net.max_epochs) and net.max_epochs > 0):
        raise ValueError(f"max_epochs must be a positive int, got {net.max_epochs!r}.")
    bs = net.batch_size
    if not (_is_int(bs) and (bs > 0 or bs == -1)):
        raise ValueError(f"batch_size must be a positive int or -1, got {bs!r}.")
    if loss in CLASS_BALANCED_LOSSES and net.class_weight is not None:
        raise ValueError(
            f"class_weight must be None with loss={loss!r}: the loss sets its own "
            "class weights from beta."
        )


def check_fit_sample_weight(sample_weight, n_samples):
    """Validated float64 weights, or None; explains a length mismatch."""
    if sample_weight is None:
        return None
    n_sw = len(sample_weight) if hasattr(sample_weight, "__len__") else None
    if n_sw is not None and n_sw != n_samples:
        raise ValueError(
            f"sample_weight has {n_sw} values but X has {n_samples} rows. A "
            "resampler before this net in a pipeline changes the rows without "
            "resampling sample_weight (imbalanced-learn does not carry weights "
            "through fit_resample)."
        )
    return _check_sample_weight(
        sample_weight,
        np.empty((n_samples, 0)),
        dtype=np.float64,
        ensure_non_negative=True,
    )


def check_sample_cost(sample_cost, n_samples, n_classes, loss):
    """Validated float64 per-sample costs of shape (n_samples, n_classes)."""
    if sample_cost is None:
        return None
    if loss not in COST_LOSSES:
        raise ValueError(
            f"sample_cost is used by the bilinear losses only, not by loss={loss!r}."
        )
    sc = np.asarray(sample_cost, dtype=np.float64)
    if sc.shape != (n_samples, n_classes):
        raise ValueError(
            f"sample_cost must have shape (n_samples, n_classes) = "
            f"({n_samples}, {n_classes}), got {sc.shape}."
        )
    if not np.all(np.isfinite(sc)) or (sc < 0).any():
        raise ValueError("sample_cost must be finite and non-negative.")
    return sc


def check_input_shape(input_shape, n_features):
    """``input_shape`` must hold exactly ``n_features`` values."""
    if input_shape is not None and int(np.prod(input_shape)) != n_features:
        raise ValueError(
            f"input_shape={tuple(input_shape)} holds {int(np.prod(input_shape))} "
            f"values, but X has {n_features} features."
        )
