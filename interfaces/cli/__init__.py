"""The `accord` command line: serve, demo, keys, project, history, state, changes, report, ..."""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn

from eventsourcing.persistence import InterfaceError, OperationalError, ProgrammingError
from pydantic import ValidationError

from domain.base import AccordError
from interfaces.bootstrap import ConfigurationError
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
from interfaces.cli.target import require_ledger
from interfaces.settings import Settings

DATABASE_URL_HELP = "overrides ACCORD_DATABASE_URL"


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="accord", description="Accord governance ledger.")
    main_parser.add_argument("--version", action="version", version=f"accord {_version()}")
    main_parser.add_argument("--database-url", help=DATABASE_URL_HELP)
    commands = main_parser.add_subparsers(dest="command", required=True)
    for module in (serve, demo, keys, project, history, transfer, report, integrity, privacy):
        module.register(commands)
    # Global options are accepted after the command too. SUPPRESS: a subcommand that is
    # not given one leaves the value given before it (or None) in place.
    for sub in _subparsers(main_parser):
        sub.add_argument("--database-url", default=argparse.SUPPRESS, help=DATABASE_URL_HELP)
    return main_parser


def _subparsers(parent: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every command's and sub-command's parser below this one."""
    for action in parent._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases share a parser
                yield sub
                yield from _subparsers(sub)


def _version() -> str:
    try:
        return version("accord")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


# Commands that only read the ledger, or change records only a ledger can hold (a person,
# a key): where there is no ledger they say so and create nothing. (`verify` checks for
# itself, so that any reason it cannot check is its own exit 2.)
NEEDS_A_LEDGER: set[Callable[..., Any]] = {
    history.history,
    history.state,
    history.changes,
    report.report,
    transfer.export,
    keys.keys_list,
    keys.keys_create,
    keys.keys_revoke,
    keys.keys_rotate,
    keys.keys_invite,
    privacy.forget,
    integrity.checkpoint,
}


def needs_a_ledger(args: argparse.Namespace) -> bool:
    return args.func in NEEDS_A_LEDGER or (args.func is project.project and args.status)


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
    try:
        settings = Settings(database_url=args.database_url) if args.database_url else Settings()
    except ValidationError as error:
        print(f"accord: the configuration cannot be used: {_first(error)}", file=sys.stderr)
        return 2
    try:
        if needs_a_ledger(args):
            require_ledger(settings)
        return int(args.func(args, settings))
    except (AccordError, ConfigurationError) as error:
        print(f"accord: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise  # the reader of standard output has gone: entry() ends quietly
    except OSError as error:
        # A file named on the command line that cannot be read or written.
        print(f"accord: {_os_error(error)}", file=sys.stderr)
        return 2
    except (OperationalError, InterfaceError) as error:
        # Could not reach the database: not a fault of the ledger (verify's 1 means broken).
        url = shown(settings.resolved_database_url())
        print(f"accord: the database at {url} cannot be reached: {error}", file=sys.stderr)
        return UNREACHABLE
    except (ProgrammingError, sqlite3.DatabaseError) as error:
        # Reached, but not usable as a ledger: a file that is not SQLite, a missing schema.
        url = shown(settings.resolved_database_url())
        print(f"accord: the database at {url} cannot be used: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("accord: interrupted", file=sys.stderr)
        return 130


def _first(error: ValidationError) -> str:
    """The first problem pydantic found, naming the ACCORD_ variable."""
    problem = error.errors()[0]
    name = "ACCORD_" + "_".join(str(part) for part in problem["loc"]).upper()
    return f"{name}: {problem['msg']}"


def _os_error(error: OSError) -> str:
    reason = error.strerror or str(error)
    return f"{error.filename}: {reason}" if error.filename else reason


# The exit status of a command that could not reach its database.
UNREACHABLE = 3


if __name__ == "__main__":
    entry()
