"""Helpers shared by the displays."""

import numpy as np


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
