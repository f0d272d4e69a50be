"""`python -m interfaces.cli` runs the `accord` command line."""

import sys

from interfaces.cli import main

sys.exit(main())
