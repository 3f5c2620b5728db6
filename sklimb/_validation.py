"""Validation of the nets' parameters and fit-time inputs."""

import warnings

import numpy as np
from sklearn.utils.validation import _check_sample_weight

from ._loss_registry import COST_LOSSES, LOSSES, ignored_parameters
from .penalty import _permutation

__all__ = [
    "CLASS_BALANCED_LOSSES",
    "COST_LOSSES",
    "LOSSES",
    "check_device",
    "check_fit_sample_weight",
    "check_float32_range",
    "check_input_shape",
    "check_managed_params",
    "check_net_params",
    "check_not_skorch_input",
    "check_sample_cost",
]

CLASS_BALANCED_LOSSES = ("class_balanced", "class_balanced_focal")
DECISIONS = ("argmax", "min_risk")


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


_FLOAT32_MAX = float(np.finfo(np.float32).max)

# skorch parameters that sklimb sets itself, with what to use instead. Their
# values are kept by get_params/clone, and refused by fit unless unchanged.
_MANAGED_INSTEAD = {
    "criterion": "the loss parameter (loss=<name, callable or torch module>)",
    "iterator_train": "batch_size and sampler",
    "iterator_valid": "batch_size",
    "dataset": "arrays as X (sklimb builds its own dataset)",
    "train_split": "early_stopping=True with validation_fraction",
    "predict_nonlinearity": "decision (predict_proba always applies softmax)",
}
_MANAGED_PREFIXES = {
    "iterator_train__": "batch_size and sampler",
    "iterator_valid__": "batch_size",
    "dataset__": "arrays as X (sklimb builds its own dataset)",
}


def check_managed_params(net, defaults):
    """Refuse skorch parameters that sklimb manages, naming what to use.

    Parameters
    ----------
    net : CostSensitiveNetClassifier
    defaults : dict
        The managed parameters' values set by sklimb.
    """
    for name, instead in _MANAGED_INSTEAD.items():
        value = getattr(net, name, defaults[name])
        if value is not defaults[name]:
            raise ValueError(
                f"{name}={value!r} is set by sklimb and cannot be changed; use "
                f"{instead} instead."
            )
    for key in vars(net):
        for prefix, instead in _MANAGED_PREFIXES.items():
            if key.startswith(prefix):
                raise ValueError(
                    f"{key} is set by sklimb and cannot be changed; use {instead} "
                    "instead."
                )
        if key.startswith("criterion__") and isinstance(net.loss, str):
            raise ValueError(
                f"{key} is not used with loss={net.loss!r}: set the loss's own "
                "parameters (alpha, gamma, beta, margin, max_margin, scale, "
                "class_weight) instead; criterion__* parameters are passed to a "
                "torch module class given as loss."
            )


def check_net_params(net):
    """Cross-parameter rules that ``_parameter_constraints`` cannot express.

    Raises a ValueError naming the offending parameters.
    """
    loss = net.loss
    if loss in CLASS_BALANCED_LOSSES and net.class_weight is not None:
        raise ValueError(
            f"class_weight must be None with loss={loss!r}: the loss sets its own "
            "class weights from beta."
        )
    sizes = net.hidden_layer_sizes
    sizes = [sizes] if _is_int(sizes) else list(sizes)
    if not all(_is_int(s) and s > 0 for s in sizes):
        raise ValueError(
            f"hidden_layer_sizes must hold positive integers, got "
            f"{net.hidden_layer_sizes!r}."
        )
    shape = net.input_shape
    if shape is not None and not (
        len(shape) > 0 and all(_is_int(s) and s > 0 for s in shape)
    ):
        raise ValueError(
            f"input_shape must be a non-empty tuple of positive integers, got "
            f"{shape!r}."
        )
    if (
        net.penalty_matrix is not None
        and "penalty_matrix" in ignored_parameters(loss)
        and net.decision != "min_risk"
    ):
        warnings.warn(
            f"penalty_matrix is not used by loss={loss!r} (only the bilinear "
            "losses and decision='min_risk' use it).",
            UserWarning,
            stacklevel=4,
        )


def check_device(device):
    """The torch device ``device`` resolves to; a ValueError naming ``device``
    when it is not a device or CUDA is not available."""
    import torch

    if device is None:
        return None
    resolved = device
    if device == "auto":
        resolved = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        dev = torch.device(resolved)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"device={device!r} is not a torch device ({exc}); use 'auto', 'cpu', "
            "'cuda' or 'cuda:<index>'."
        ) from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} but CUDA is not available on this machine; "
                "use device='auto' or 'cpu'."
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)."
            )
    return resolved


def check_not_skorch_input(X):
    """Refuse the input types skorch takes but sklimb's nets do not."""
    import torch

    if isinstance(X, dict):
        raise TypeError(
            "X is a dict: sklimb's nets take one array-like (or sparse matrix) of "
            "shape (n_samples, n_features). For a module with several inputs, "
            "concatenate them column-wise (np.hstack) and split the columns in "
            "the module's forward; for images, pass flat rows with input_shape."
        )
    if isinstance(X, torch.utils.data.Dataset):
        raise TypeError(
            f"X is a torch Dataset ({type(X).__name__}): sklimb's nets take "
            "array-likes (numpy arrays, DataFrames, sparse matrices) that they "
            "validate, encode and move to the device themselves. Stack the "
            "dataset into arrays X, y, or use skorch's NeuralNetClassifier "
            "directly for datasets that do not fit in memory."
        )


def check_float32_range(X, name="X"):
    """Refuse values the nets' float32 computation would turn into inf."""
    if getattr(X, "dtype", None) == np.float64 and X.size:
        data = X.data if hasattr(X, "tocsr") else X
        if data.size and np.abs(data).max() > _FLOAT32_MAX:
            raise ValueError(
                f"{name} holds values beyond the float32 range (|x| > "
                f"{_FLOAT32_MAX:.3g}), which the network computes in; they would "
                f"become inf. Rescale {name} (e.g. with StandardScaler)."
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


def check_sample_cost(sample_cost, n_samples, classes, loss):
    """Validated float64 per-sample costs of shape (n_samples, n_classes),
    columns in the order of ``classes``; a DataFrame's columns are labels."""
    if sample_cost is None:
        return None
    if not (isinstance(loss, str) and loss in COST_LOSSES):
        raise ValueError(
            f"sample_cost is used by the bilinear losses only, not by loss={loss!r}."
        )
    order = None
    if hasattr(sample_cost, "columns"):
        # Aligned by label, as a penalty_matrix DataFrame is (read by
        # position, reordered columns would silently swap the costs).
        order = _permutation(
            np.asarray(sample_cost.columns),
            np.asarray(classes),
            name="The columns of the sample_cost DataFrame",
        )
    sc = np.asarray(sample_cost, dtype=np.float64)
    if order is not None:
        sc = sc[:, order]
    n_classes = len(classes)
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
