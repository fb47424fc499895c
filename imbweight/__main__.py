"""``python -m imbweight``: the ``imbweight`` command line."""

import sys

from imbweight.cli import main

if __name__ == "__main__":
    sys.exit(main())
