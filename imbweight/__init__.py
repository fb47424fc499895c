"""Focal loss and class-weighted cross-entropy for imbalanced classification."""

from imbweight._focal import FocalLogisticRegression

__version__ = "0.1.0.dev0"

__all__ = ["FocalLogisticRegression", "__version__"]
