"""The `accord` command line: serve, demo, keys, project, history, state, changes, report, ..."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from domain.base import AccordError
from interfaces.cli import (
    demo,
    history,
    integrity,
    keys,
    privacy,
    project,
    report,
    serve,
    transfer,
)
from interfaces.settings import Settings


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="accord", description="Accord governance ledger.")
    main_parser.add_argument("--database-url", help="overrides ACCORD_DATABASE_URL")
    commands = main_parser.add_subparsers(dest="command", required=True)
    for module in (serve, demo, keys, project, history, transfer, report, integrity, privacy):
        module.register(commands)
    return main_parser


def entry() -> None:
    """The `accord` command: main() in a process of its own."""
    if hasattr(signal, "SIGPIPE"):
        # `accord history | head` should stop quietly, not with a traceback. Only here: in
        # a process that called main() as a function (a test run, an embedding program),
        # this would make a write to a closed socket kill the whole process.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.accord_path = sys.argv[0] if sys.argv and sys.argv[0].endswith("accord") else "accord"
    settings = Settings(database_url=args.database_url) if args.database_url else Settings()
    try:
        return int(args.func(args, settings))
    except AccordError as error:
        print(f"accord: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    entry()
