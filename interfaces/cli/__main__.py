"""`python -m interfaces.cli` runs the `accord` command line."""

from interfaces.cli import entry

entry()
