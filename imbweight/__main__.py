import sys

from imbweight.cli import main

sys.exit(main())
