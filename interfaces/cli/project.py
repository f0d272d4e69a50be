"""`accord project`: keep the read models up to date, rebuild them, or show their lag."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from application.projections.projector import ProjectorThread
from interfaces.bootstrap import build_ledger
from interfaces.cli.output import as_json
from interfaces.settings import Settings


def project(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    projector = ledger.projector
    try:
        if args.status:
            head = ledger.head_position()
            position = projector.position()
            lag = max(0, head - position)
            # A health check's answer: 1 when the read models are too far behind.
            status = 1 if args.max_lag is not None and lag > args.max_lag else 0
            if args.json:
                print(as_json({"head": head, "position": position, "lag": lag}))
                return status
            print(f"head {head}  read models at {position}  lag {lag}")
            return status
        if args.rebuild:
            head = ledger.head_position()
            print(f"rebuilding every read model from position 0 to {head}", file=sys.stderr)
            projector.store.reset_read_models()
            _catch_up_with_progress(projector, head)
        if args.once or args.rebuild:
            applied = projector.catch_up()
            print(f"read models at position {projector.position()} (+{applied})")
            return 0
        print(f"following the ledger from position {projector.position()}", file=sys.stderr)
        worker = ProjectorThread(projector)
        signal.signal(signal.SIGTERM, lambda *_: worker.stopping.set())
        try:
            worker.run()
        except KeyboardInterrupt:
            pass
        finally:
            projector.close()
        return 0
    finally:
        ledger.close()


def _catch_up_with_progress(projector: Any, head: int) -> None:
    from tqdm import tqdm

    with tqdm(total=head, unit="event", disable=head < 10_000, file=sys.stderr) as bar:
        while True:
            applied = projector.run_once()
            if applied == 0:
                return
            bar.update(max(0, applied))


def register(commands: Any) -> None:
    run = commands.add_parser(
        "project", help="keep the read models up to date (a worker), or rebuild them"
    )
    run.add_argument("--rebuild", action="store_true", help="rebuild every read model from zero")
    run.add_argument("--once", action="store_true", help="catch up once, then exit")
    run.add_argument("--status", action="store_true", help="print the read models' lag")
    run.add_argument(
        "--max-lag",
        type=int,
        metavar="N",
        help="with --status: exit 1 when the read models are more than N events behind",
    )
    run.add_argument("--json", action="store_true", help="with --status: as JSON")
    run.set_defaults(func=project)
