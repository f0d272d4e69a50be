"""`accord verify`, `accord checkpoint` and `accord chain`: tamper evidence from the command line.

`verify` exits 0 when the chain holds (and reaches the checkpoint, if one is given), 1
when it breaks, naming the first position where it does; 2 when it cannot run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from application.checkpoints import (
    Checkpoint,
    CheckpointInvalid,
    new_signing_key,
    read_checkpoint,
    sign_checkpoint,
)
from application.integrity import Verification
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings


def verify(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.checkpoint) != bool(args.public_key):
        args.parser.error("--checkpoint and --public-key go together")
    try:
        checkpoint = _checkpoint(args) if args.checkpoint else None
    except CheckpointInvalid as error:
        print(f"BROKEN: {error}")
        return 1
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
    _report(result)
    return 0 if result.intact else 1


def _keep(write: Callable[[], None]) -> None:
    """Keep the result for the console's integrity page; a role that may only read the
    database cannot, and that does not change what was verified."""
    try:
        write()
    except Exception as error:  # any driver's refusal: the verification stands anyway
        print(f"accord: the result was not kept for the console: {error}", file=sys.stderr)


def _checkpoint(args: argparse.Namespace) -> Checkpoint:
    try:
        document = json.loads(Path(args.checkpoint).read_text(encoding="utf-8"))
    except json.JSONDecodeError:
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
    if result.checkpoint is not None:
        print(
            f"checkpoint signed {result.checkpoint.signed_at}: the chain still reaches "
            f"position {result.checkpoint.position} with its signed link"
        )


def checkpoint(args: argparse.Namespace, settings: Settings) -> int:
    if args.key is None:
        args.parser.error("--key is required (make one with `accord checkpoint keygen`)")
    private_key = Path(args.key).read_bytes()
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
    ledger = build_ledger(settings, chain=False)
    try:
        count = ledger.integrity.chain_unchained()
        head = ledger.integrity.chain_head()
    finally:
        ledger.close()
    print(f"linked {count:,} events; the chain's head is position {head[0] if head else 0}")
    return 0


def register(commands: Any) -> None:
    run = commands.add_parser(
        "verify", help="recompute the hash chain; exit 1 at the first position where it breaks"
    )
    run.add_argument("--checkpoint", metavar="FILE", help="also check this signed checkpoint")
    run.add_argument("--public-key", metavar="FILE", help="the checkpoint's public key (PEM)")
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
    run = commands.add_parser("chain", help="link events stored before the hash chain existed")
    run.set_defaults(func=chain)
