"""Focal loss and class-weighted cross-entropy for imbalanced classification."""

from imbweight._config import config_context, get_config, set_config
from imbweight._focal import FocalLogisticRegression
from imbweight._posterior import posterior_proba
from imbweight._sgd import WeightedSGDClassifier
from imbweight._wrapper import ClassWeightedClassifier
from imbweight.boosting import FocalBoostingClassifier
from imbweight.class_weight import ClassWeights, compute_class_weight

__version__ = "0.1.0.dev0"

__all__ = [
    "ClassWeightedClassifier",
    "ClassWeights",
    "FocalBoostingClassifier",
    "FocalLogisticRegression",
    "WeightedSGDClassifier",
    "__version__",
    "compute_class_weight",
    "config_context",
    "get_config",
    "posterior_proba",
    "set_config",
]
