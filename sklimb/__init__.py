"""sklimb: cost-sensitive and imbalanced deep classification for scikit-learn."""

from .classifier import (
    BilinearNetClassifier,
    CostSensitiveNetClassifier,
    LogBilinearNetClassifier,
)

__version__ = "0.1.0"

__all__ = [
    "CostSensitiveNetClassifier",
    "BilinearNetClassifier",
    "LogBilinearNetClassifier",
    "__version__",
]
