"""`accord demo`: fill an empty ledger with the Living Well story, or N synthetic events."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import Any

from application.demo import DemoResult, StoreNotEmpty, living_well, synthetic
from application.ledger import Ledger
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings

MAX_SCALE = 1_000_000


def demo(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        if args.scale is not None:
            _scale(ledger, args.scale, args.seed)
        else:
            _story(ledger, args, settings)
    except StoreNotEmpty as error:
        print(f"accord demo: {error}", file=sys.stderr)
        return 1
    finally:
        ledger.close()
    return 0


def _story(ledger: Ledger, args: argparse.Namespace, settings: Settings) -> None:
    result = living_well(ledger, seed=args.seed)
    ledger.projector.catch_up()
    print(
        f'The "Living Well" story, in effect from {result.start:%d %B %Y} to '
        f"{result.end:%d %B %Y}.\n{_summary(result)}\n"
    )
    transformation = result.groups["transformation"]
    design = result.groups["design"]
    since = f"{result.report_from:%Y-%m-%dT%H:%M:%SZ}"
    mid = f"{result.start + timedelta(days=365):%Y-%m-%dT12:00:00Z}"
    base = f"http://{settings.host}:{settings.port}"
    accord = args.accord_path
    print(f"Administrator: Helen Okafor, person {result.administrator_id}, who convenes the")
    print("transformation group. Every other person in the story can be given a key with")
    print(f"`{accord} keys create --person ID`.\n")
    print(f"API key (shown once): {result.api_key}\n")
    print(f"Serve it with `make run` (or `{accord} serve`), then open {base}/ in a browser")
    print("and sign in with that key: the review console shows each group as it stood on any")
    print("day. Or try the API, with")
    print(f"  export KEY={result.api_key}")
    for path in (
        f"/groups/{transformation}/state",
        f"/groups/{transformation}/timeline?limit=50",
        f"/groups/{design}/state?effective_at={mid}",
        f"/reports/accountability?group={transformation}&include_subgroups=true"
        f"&from={since}&interval=quarter",
    ):
        print(f"  curl -H \"Authorization: Bearer $KEY\" '{base}{path}'")
    print("\nor from the command line:")
    print(f"  {accord} state --group {transformation}")
    print(f"  {accord} history --group {transformation} --limit 50")
    print(
        f"  {accord} report --group {transformation} --include-subgroups --from {since} "
        "--interval quarter --format html --out accountability.html"
    )


def _scale(ledger: Ledger, target: int, seed: int) -> None:
    from tqdm import tqdm

    with tqdm(total=target, unit="event", unit_scale=True, file=sys.stderr) as bar:
        result = synthetic(ledger, target, seed=seed, progress=bar.update)
    print(_summary(result))
    print(f"{result.events_per_second:,.0f} events/s")
    print(f"administrator person id: {result.administrator_id}")
    print(f"API key (shown once):    {result.api_key}")
    print("The read models are built by `accord serve` or `accord project --once`.")


def _summary(result: DemoResult) -> str:
    plural = {"person": "people", "accountability": "accountabilities"}
    counts = ", ".join(
        f"{n:,} {plural.get(kind, kind + 's')}" for kind, n in result.records.items()
    )
    return f"Recorded {result.events:,} events in {result.seconds:.1f} s: {counts}."


def _scale_argument(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_SCALE:,}")
    return value


def register(commands: Any) -> None:
    run = commands.add_parser(
        "demo",
        help="fill an empty ledger with a realistic demo history (or --scale N synthetic events)",
    )
    run.add_argument(
        "--scale",
        type=_scale_argument,
        metavar="N",
        help="instead, about N synthetic events saved in batches, for benchmarks (at most 1,000,000)",
    )
    run.add_argument(
        "--seed", type=int, default=7, help="the random seed (the same seed, the same story)"
    )
    run.set_defaults(func=demo)
