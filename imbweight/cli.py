"""Command-line entry point: ``imbweight``."""

import argparse

from imbweight import __version__


def build_parser():
    """The argument parser of the ``imbweight`` command."""
    parser = argparse.ArgumentParser(
        prog="imbweight",
        description=(
            "Compare class-weighting and focal-loss strategies on an "
            "imbalanced dataset."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"imbweight {__version__}"
    )
    return parser


def main(argv=None):
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0
