"""``python -m dataplane``: the command line."""

import sys

from dataplane.cli import main

sys.exit(main())
