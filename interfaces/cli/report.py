"""`accord report`: the accountability report as JSON, CSV tables, Markdown or one HTML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from domain.base import InvalidInput
from interfaces.bootstrap import build_ledger
from interfaces.cli.history import moment
from interfaces.cli.output import as_json
from interfaces.reports.naming import record_names
from interfaces.settings import Settings

FORMATS = ("json", "csv", "md", "html")
INTERVALS = ("week", "month", "quarter")


def report(args: argparse.Namespace, settings: Settings) -> int:
    if args.format in ("csv", "html") and args.out is None:
        raise InvalidInput(f"--format {args.format} needs --out", "--out")
    start, end = moment(args.start, "--from"), moment(args.end, "--to")
    as_of = moment(args.as_of, "--as-of")
    ledger = build_ledger(settings)
    try:
        found = ledger.reports.accountability_report(
            args.group,
            args.include_subgroups,
            start,
            end,
            as_of,
            args.interval,
            args.pending_days,
            args.unchanged_days,
            args.holding_on,
        )
        names = record_names(ledger, found) if args.format != "json" else {}
    finally:
        ledger.close()
    out: Path | None = args.out
    if args.format == "csv":
        from interfaces.reports.csv import write_csv

        assert out is not None
        if out.exists() and not out.is_dir():
            raise InvalidInput(f"{out} exists and is not a directory", "--out")
        paths = write_csv(found, out, names)
        print(f"wrote {len(paths)} tables to {out}")
        return 0
    if args.format == "json":
        text = as_json(found) + "\n"
    elif args.format == "md":
        from interfaces.reports.markdown import render_markdown

        text = render_markdown(found, names)
    else:
        from interfaces.reports.html import render_html

        text = render_html(found, names)
    if out is None:
        sys.stdout.write(text)
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return 0


def _bounded(low: int, high: int) -> Any:
    """An argparse type: a whole number in [low, high] (the API's bounds)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def register(commands: Any) -> None:
    run = commands.add_parser(
        "report",
        help="the accountability report as JSON, CSV tables, Markdown or one HTML file",
        description="Where responsibility sits, how it moved and how widely it is spread, "
        "for a group (with its sub-groups) or the whole ledger, over [--from, --to] "
        "(default: the year to --to, which defaults to --as-of or now).",
    )
    run.add_argument("--group", help="a group's id; omit for the whole ledger")
    run.add_argument(
        "--include-subgroups", action="store_true", help="with --group: its sub-groups too"
    )
    run.add_argument("--from", dest="start", help="start of the period (ISO 8601 with offset)")
    run.add_argument("--to", dest="end", help="end of the period (ISO 8601 with offset)")
    run.add_argument("--as-of", help="as the ledger showed it then (ISO 8601 with offset)")
    run.add_argument("--interval", choices=INTERVALS, default="month", help="time-series step")
    run.add_argument(
        "--pending-days",
        type=_bounded(0, 36_500),
        default=14,
        help="list offers pending longer than this",
    )
    run.add_argument(
        "--unchanged-days",
        type=_bounded(0, 36_500),
        default=90,
        help="list holders unchanged longer than this",
    )
    run.add_argument(
        "--holding-on",
        type=_bounded(1, 1000),
        default=3,
        metavar="N",
        help="list holders of N or more accountabilities who never offered one on",
    )
    run.add_argument("--format", choices=FORMATS, required=True)
    run.add_argument(
        "--out",
        type=Path,
        help="the file to write (a directory for csv); json and md print to stdout without it",
    )
    run.set_defaults(func=report)
