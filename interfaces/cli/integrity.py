"""`accord verify`, `accord checkpoint` and `accord chain`: tamper evidence from the command line.

`verify` exits 0 when the chain holds (and reaches the checkpoint, if one is given), 1
when it breaks (evidence of tampering), naming the first position where it does; 2 when
it could not check (database unreachable, checkpoint or key unreadable, a checkpoint of
another ledger), with one line on standard error saying why.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from eventsourcing.persistence import InterfaceError, OperationalError
from tqdm import tqdm

from application.checkpoints import (
    Checkpoint,
    CheckpointInvalid,
    new_signing_key,
    read_checkpoint,
    sign_checkpoint,
)
from application.integrity import Verification
from domain.base import AccordError, current_actor
from interfaces.bootstrap import build_ledger
from interfaces.cli.serve import shown
from interfaces.cli.target import require_ledger
from interfaces.settings import Settings

# `accord verify`'s exit statuses.
INTACT, BROKEN, UNCHECKED = 0, 1, 2


class Unchecked(Exception):
    """The verification could not run; the message says why, in one line."""


def verify(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.checkpoint) != bool(args.public_key):
        args.parser.error("--checkpoint and --public-key go together")
    try:
        result = _verify(args, settings)
    except Exception as error:  # whatever stopped it, the ledger was not checked
        reason = _reason(error, settings)
        if args.json:
            _print_json(_unchecked(reason))
        print(f"accord: could not verify: {reason}", file=sys.stderr)
        return UNCHECKED
    if args.json:
        _print_json(verification_document(result))
    else:
        _report(result)
    return INTACT if result.intact else BROKEN


def _verify(args: argparse.Namespace, settings: Settings) -> Verification:
    checkpoint = _checkpoint(args) if args.checkpoint else None
    _existing_file(settings)
    # A PostgreSQL schema without a ledger is no empty ledger that verifies either; checked
    # here rather than before the command, so that its failure is verify's exit 2.
    require_ledger(settings)
    # No start-up linking: an event without a link is reported, not linked.
    ledger = build_ledger(settings, chain=False)
    try:
        head = ledger.head_position()
        with tqdm(
            total=head, unit="event", unit_scale=True, file=sys.stderr, disable=_quiet(head)
        ) as bar:
            result = ledger.integrity.verify_chain(checkpoint, progress=bar.update)
        _keep(lambda: ledger.integrity.record_verification(result))
    finally:
        ledger.close()
    return result


def _existing_file(settings: Settings) -> None:
    """A SQLite file that is not there is not an empty ledger that verifies: it is the
    wrong path, or a ledger gone."""
    url = settings.resolved_database_url()
    if url.startswith("sqlite:///"):
        path = Path(unquote(url[len("sqlite:///") :]))
        if not path.is_file():
            raise Unchecked(f"there is no ledger at {path}: the file does not exist")


def _reason(error: Exception, settings: Settings) -> str:
    """Why the verification could not run, in one line, without a traceback."""
    if isinstance(error, OperationalError | InterfaceError):
        url = shown(settings.resolved_database_url())
        reason = f"the database at {url} cannot be reached: {error}"
    elif isinstance(error, OSError) and error.filename is not None:
        reason = f"{error.filename}: {error.strerror or error}"
    elif isinstance(error, AccordError | Unchecked):
        reason = str(error)
    else:
        reason = f"{type(error).__name__}: {error}"
    return " ".join(reason.split())


def verification_document(result: Verification) -> dict[str, Any]:
    """What `accord verify --json` prints (docs/integrity.md lists the fields)."""
    broken = result.broken
    checkpoint = result.checkpoint
    return {
        "status": "intact" if broken is None else "broken",
        "ledger": result.ledger,
        "position": result.position,
        "link": result.link.hex(),
        "events": result.events,
        "seconds": round(result.seconds, 6),
        "broken_at": broken.position if broken else None,
        "reason": broken.reason if broken else None,
        "checkpoint": None
        if checkpoint is None
        else {
            "ledger": checkpoint.ledger,
            "position": checkpoint.position,
            "link": checkpoint.link.hex(),
            "signed_at": checkpoint.signed_at,
        },
    }


def _unchecked(reason: str) -> dict[str, Any]:
    fields = ("ledger", "position", "link", "events", "seconds", "broken_at", "checkpoint")
    return {"status": "unchecked", **dict.fromkeys(fields), "reason": reason}


def _print_json(document: dict[str, Any]) -> None:
    print(json.dumps(document, sort_keys=True))


def _keep(write: Callable[[], None]) -> None:
    """Keep the result for the console's integrity page; a role that may only read the
    database cannot, and that does not change what was verified."""
    try:
        write()
    except Exception as error:  # any driver's refusal: the verification stands anyway
        print(f"accord: the result was not kept for the console: {error}", file=sys.stderr)


def _checkpoint(args: argparse.Namespace) -> Checkpoint:
    text = Path(args.checkpoint).read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CheckpointInvalid(f"{args.checkpoint} is not JSON") from None
    return read_checkpoint(document, Path(args.public_key).read_bytes())


def _quiet(events: int) -> bool:
    return events < 100_000 or not sys.stderr.isatty()


def _report(result: Verification) -> None:
    speed = f"in {result.seconds:.2f} s ({result.events_per_second:,.0f} events/s)"
    if result.broken is not None:
        print(f"BROKEN at position {result.broken.position}: {result.broken.reason}")
        print(f"{result.events:,} events before it verified {speed}")
        return
    print(f"intact: {result.events:,} events verified up to position {result.position} {speed}")
    print(f"head: position {result.position}, link {result.link.hex()}")
    if result.ledger is not None:
        print(f"ledger: {result.ledger}")
    if result.checkpoint is not None:
        print(
            f"checkpoint signed {result.checkpoint.signed_at}: the chain still reaches "
            f"position {result.checkpoint.position} with its signed link"
        )


def checkpoint(args: argparse.Namespace, settings: Settings) -> int:
    if args.key is None:
        args.parser.error("--key is required (make one with `accord checkpoint keygen`)")
    try:
        private_key = Path(args.key).read_bytes()
    except OSError as error:
        print(f"accord: {args.key}: {error.strerror or error}", file=sys.stderr)
        return 2
    # Signs the head as it stands, so that a role that may only read can checkpoint.
    ledger = build_ledger(settings, chain=False)
    try:
        point = ledger.integrity.checkpoint()
        document = sign_checkpoint(point, private_key)
        _keep(lambda: ledger.integrity.record_checkpoint(point))
    finally:
        ledger.close()
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"checkpoint of position {document['position']} written to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def keygen(args: argparse.Namespace, settings: Settings) -> int:
    private, public = new_signing_key()
    private_path, public_path = Path(args.key_out), Path(args.key_out + ".pub")
    for path in (private_path, public_path):
        if path.exists():
            print(f"accord: {path} exists already; not overwritten", file=sys.stderr)
            return 2
    # Readable by its owner only; created, never truncated.
    with os.fdopen(os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
        f.write(private)
    public_path.write_bytes(public)
    print(f"private key: {private_path} (keep it outside the database and its backups)")
    print(f"public key:  {public_path} (give it to whoever verifies)")
    return 0


def chain(args: argparse.Namespace, settings: Settings) -> int:
    # An ordinary start (tables, migrations, the identity of an older ledger); it links
    # nothing (see `accord chain adopt`).
    ledger = build_ledger(settings)
    try:
        head = ledger.integrity.chain_head()
        unlinked = ledger.integrity.unlinked()
        identity = ledger.integrity.ledger_id()
    finally:
        ledger.close()
    position, link = head if head is not None else (0, None)
    if args.json:
        _print_json(
            {
                "ledger": identity,
                "position": position,
                "link": link.hex() if link else None,
                "unlinked": None
                if unlinked is None
                else {"first_position": unlinked[0], "last_position": unlinked[1]},
            }
        )
        return 0
    print(f"ledger: {identity or 'none yet (it is made with the first link)'}")
    print(f"head: position {position}" + (f", link {link.hex()}" if link else ""))
    if unlinked is None:
        print("every event is linked")
    else:
        print(
            f"positions {unlinked[0]} to {unlinked[1]} have no link: `accord verify` reports "
            "them as tampering until, after review, `accord chain adopt` takes them in"
        )
    return 0


def adopt(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings, chain=False)
    token = current_actor.set(args.by)
    try:
        ledger.records.get_person(args.by)  # the one adopting must be a person the ledger knows
        done = ledger.integrity.adopt_unlinked(args.reason)
        identity = ledger.integrity.ledger_id()
    finally:
        current_actor.reset(token)
        ledger.close()
    if args.json:
        _print_json({**asdict(done), "ledger": identity, "by": args.by})
    else:
        print(
            f"adopted positions {done.first_position} to {done.last_position} into the chain "
            f"(recorded at position {done.position}, by {args.by}); {done.linked:,} events linked"
        )
    if done.left:
        print(
            "accord: events were stored while it ran and are left unlinked; stop the servers "
            "and run it again",
            file=sys.stderr,
        )
        return 2
    return 0


def register(commands: Any) -> None:
    run = commands.add_parser(
        "verify",
        help="recompute the hash chain: exit 0 intact, 1 broken (tampering), 2 could not check",
    )
    run.add_argument("--checkpoint", metavar="FILE", help="also check this signed checkpoint")
    run.add_argument("--public-key", metavar="FILE", help="the checkpoint's public key (PEM)")
    run.add_argument("--json", action="store_true", help="print the result as one JSON object")
    run.set_defaults(func=verify, parser=run)
    point = commands.add_parser(
        "checkpoint", help="sign the chain's head with a private key kept outside the database"
    )
    point.add_argument("--key", metavar="FILE", help="the Ed25519 private key (PEM)")
    point.add_argument("--out", metavar="FILE", help="write the checkpoint here (default: stdout)")
    point.set_defaults(func=checkpoint, parser=point)
    keys = point.add_subparsers(dest="checkpoint_command")
    generate = keys.add_parser("keygen", help="a new signing key pair: FILE and FILE.pub")
    generate.add_argument("--out", dest="key_out", metavar="FILE", required=True)
    generate.set_defaults(func=keygen)
    run = commands.add_parser(
        "chain", help="the chain's head, the ledger's identity, and any events without a link"
    )
    run.add_argument("--json", action="store_true", help="print it as one JSON object")
    run.set_defaults(func=chain)
    adoption = run.add_subparsers(dest="chain_command").add_parser(
        "adopt",
        help="take events without a link into the chain, recording who and why (after review)",
        description="Records, as an event, who adopts the positions after the chain's head "
        "and why, then links them and that record. Run it with the servers stopped.",
    )
    adoption.add_argument("--by", required=True, help="the id of the person adopting them")
    adoption.add_argument(
        "--reason",
        required=True,
        help="why, at most 500 characters, e.g. 'ledger kept before the chain existed, "
        "compared with backup 2026-03-01'; kept for good, so no personal data in it",
    )
    adoption.add_argument("--json", action="store_true", help="print the result as JSON")
    adoption.set_defaults(func=adopt)
