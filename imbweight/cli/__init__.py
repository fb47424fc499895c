"""Command-line entry point: ``imbweight``.

``imbweight compare`` cross-validates strategies for imbalanced data (class
weights, the focal loss, SMOTE, SGD) on a dataset and recommends one;
``imbweight weights`` prints the class weights a strategy gives a target.
See :func:`main`.
"""

from imbweight.cli._main import DEFAULT_OUT, build_parser, main

__all__ = ["DEFAULT_OUT", "build_parser", "main"]
