"""The error the command line reports as one line, with exit code 1."""

__all__ = ["UserError"]


class UserError(Exception):
    """A mistake in the user's data, files or request; the message is one line.

    The message may name command-line flags (``--target``, ``--out``): only
    :mod:`imbweight.cli` raises it.
    """
