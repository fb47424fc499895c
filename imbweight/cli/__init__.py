"""Command-line entry point: ``imbweight``.

``imbweight compare`` cross-validates strategies for imbalanced data (class
weights, the focal loss, SMOTE, SGD) on a dataset and recommends one;
``imbweight weights`` prints the class weights a strategy gives a target.
See :func:`main`.

Importing this package loads nothing heavy: :func:`main` imports the
command (and with it scikit-learn) itself, so that Ctrl-C at any moment ends
with one line.
"""

import sys

__all__ = ["DEFAULT_OUT", "main"]

DEFAULT_OUT = "imbweight-results"
"""The folder ``imbweight compare`` writes into when --out is not given."""


def main(argv=None):
    """Run the ``imbweight`` command line.

    Parameters
    ----------
    argv : list of str or None, default=None
        The arguments, without the program name; ``None`` reads
        ``sys.argv[1:]``.

    Returns
    -------
    code : int
        The exit code: 0 on success, 1 for a mistake in the data or files,
        2 for a mistake in the arguments, 130 when interrupted (Ctrl-C). A
        mistake is reported as one line on stderr, without a traceback.

    Examples
    --------
    >>> from imbweight.cli import main
    >>> main(["--version"])
    imbweight ...
    0
    """
    try:
        from imbweight.cli._main import run
    except KeyboardInterrupt:
        print("imbweight: interrupted", file=sys.stderr)
        return 130
    return run(argv)
