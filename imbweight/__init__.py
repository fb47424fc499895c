"""Focal loss and class-weighted cross-entropy for imbalanced classification."""

import importlib

__version__ = "0.1.0.dev0"

# Each public name and the module that defines it, imported on first use:
# ``import imbweight`` stays light, so that the command line starts (and
# handles Ctrl-C) before scikit-learn and SciPy are loaded.
_PUBLIC = {
    "ClassWeightedClassifier": "imbweight._wrapper",
    "ClassWeights": "imbweight.class_weight",
    "CostSensitiveClassifier": "imbweight._decisions",
    "FocalBoostingClassifier": "imbweight.boosting",
    "FocalLogisticRegression": "imbweight._focal",
    "WeightedSGDClassifier": "imbweight._sgd",
    "adjust_prior": "imbweight._posterior",
    "compute_class_weight": "imbweight.class_weight",
    "config_context": "imbweight._config",
    "get_config": "imbweight._config",
    "posterior_proba": "imbweight._posterior",
    "set_config": "imbweight._config",
}

__all__ = [
    "ClassWeightedClassifier",
    "ClassWeights",
    "CostSensitiveClassifier",
    "FocalBoostingClassifier",
    "FocalLogisticRegression",
    "WeightedSGDClassifier",
    "__version__",
    "adjust_prior",
    "compute_class_weight",
    "config_context",
    "get_config",
    "posterior_proba",
    "set_config",
]


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'imbweight' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_PUBLIC})
