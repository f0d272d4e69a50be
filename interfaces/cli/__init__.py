"""The `accord` command line: serve, demo, keys, project, history, state, changes, report, ..."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from eventsourcing.persistence import InterfaceError, OperationalError

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
from interfaces.cli.serve import shown
from interfaces.settings import Settings


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="accord", description="Accord governance ledger.")
    main_parser.add_argument("--database-url", help="overrides ACCORD_DATABASE_URL")
    commands = main_parser.add_subparsers(dest="command", required=True)
    for module in (serve, demo, keys, project, history, transfer, report, integrity, privacy):
        module.register(commands)
    return main_parser


def entry() -> None:
    """The `accord` command: main() in a process of its own.

    SIGPIPE stays ignored, as Python sets it, so that a server never dies of a client
    that closed its socket: the write raises an error that uvicorn handles. Only a
    closed standard output (`accord history | head`) ends the command, quietly.
    """
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        _end_as_a_closed_pipe()
    sys.exit(status)


def _end_as_a_closed_pipe() -> NoReturn:
    """The reader of standard output has gone: end as a shell expects (killed by
    SIGPIPE, status 141), with nothing on standard error."""
    # So that the interpreter's last flush of the lost output says nothing.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
    os._exit(141)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.accord_path = sys.argv[0] if sys.argv and sys.argv[0].endswith("accord") else "accord"
    settings = Settings(database_url=args.database_url) if args.database_url else Settings()
    try:
        return int(args.func(args, settings))
    except AccordError as error:
        print(f"accord: {error}", file=sys.stderr)
        return 2
    except (OperationalError, InterfaceError) as error:
        # Could not reach the database: not a fault of the ledger (verify's 1 means broken).
        url = shown(settings.resolved_database_url())
        print(f"accord: the database at {url} cannot be reached: {error}", file=sys.stderr)
        return UNREACHABLE


# The exit status of a command that could not reach its database.
UNREACHABLE = 3


if __name__ == "__main__":
    entry()
