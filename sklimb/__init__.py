"""sklimb: cost-sensitive and imbalanced deep classification for scikit-learn."""

from .classifier import (
    BilinearNetClassifier,
    CostSensitiveNetClassifier,
    LogBilinearNetClassifier,
)
from .decision import MinimumRiskClassifier

__version__ = "0.1.0"

__all__ = [
    "CostSensitiveNetClassifier",
    "BilinearNetClassifier",
    "LogBilinearNetClassifier",
    "MinimumRiskClassifier",
    "__version__",
]
