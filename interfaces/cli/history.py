"""`accord history`, `accord state` and `accord changes`: the record replayed from the terminal."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from application.ledger import Ledger
from domain.base import InvalidInput
from interfaces.bootstrap import build_ledger
from interfaces.cli.output import as_json, table
from interfaces.settings import Settings

KINDS = ("organisation", "person", "group", "decision", "conflict", "principle", "accountability")


def moment(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{name} must be an ISO 8601 time such as 2026-03-01T09:00:00+00:00", name
        ) from None
    if value.tzinfo is None:
        raise InvalidInput(f"{name} must include a time-zone offset", name)
    return value


def _events(ledger: Ledger, args: argparse.Namespace) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = args.after
    while len(items) < args.limit:
        if args.record:
            page = ledger.history.record_history(args.kind, args.record, after, 500)
        elif args.group:
            page = ledger.history.group_timeline(
                args.group, after, 500, kinds=tuple(args.kinds or ())
            )
        else:
            page = ledger.history.ledger_events(after, 500)
            page["next_after"] = page["next_after"] if page["items"] else None
        items.extend(page["items"])
        if not page["next_after"] or not page["items"]:
            break
        after = page["next_after"]
    return items[: args.limit]


def history(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        items = _events(ledger, args)
    finally:
        ledger.close()
    if args.json:
        print(as_json(items))
        return 0
    rows = [
        (
            i["position"],
            i["recorded_at"][:19],
            i["effective_at"][:19],
            i["type"],
            i["record_id"][:8],
            i["recorded_by"] and i["recorded_by"][:8],
            i["data"],
        )
        for i in items
    ]
    print(table(rows, ["pos", "recorded", "effective", "type", "record", "by", "data"]))
    return 0


def state(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        found = ledger.history.group_state(
            args.group, moment(args.as_of, "--as-of"), moment(args.effective_at, "--effective-at")
        )
    finally:
        ledger.close()
    if args.json:
        print(as_json(found))
        return 0
    print(f"{found['name']} ({found['kind']}, {found['status']}) at position {found['position']}")
    print(f"as of {found['as_of'] or 'now'}, in effect at {found['effective_at']}")
    print(f"purpose: {found['purpose']}\n")
    print(
        table(
            [(m["person_id"], m["role"], m["since"][:19]) for m in found["members"]],
            ["member", "role", "since"],
        )
    )
    for title, key, fields in (
        ("principles in force", "principles", ("id", "statement")),
        ("decisions in effect", "decisions", ("id", "title", "method", "effective_at")),
        ("open conflicts", "conflicts", ("id", "about", "status")),
        ("accountabilities", "accountabilities", ("id", "title", "holder", "open_handover")),
    ):
        print(f"\n{title}:")
        print(table([[r.get(f) for f in fields] for r in found[key]], list(fields)))
    return 0


def changes(args: argparse.Namespace, settings: Settings) -> int:
    start, end = moment(args.start, "--from"), moment(args.end, "--to")
    assert start is not None and end is not None  # argparse requires both
    ledger = build_ledger(settings)
    try:
        if args.format == "md":
            from interfaces.reports.minutes import minutes, render_markdown  # the web's sentences

            # The operator's command line sees everyone, as an administrator does.
            print(render_markdown(minutes(ledger, args.group, start, end, lambda _: True)), end="")
            return 0
        found = ledger.changes.group_changes(args.group, start, end)
    finally:
        ledger.close()
    if args.json or args.format == "json":
        print(as_json(found))
        return 0
    rows = [
        (c["effective_at"][:19], c["change"], c["title"], c["details"]) for c in found["changes"]
    ]
    print(table(rows, ["effective", "change", "record", "details"]))
    return 0


def register(commands: Any) -> None:
    run = commands.add_parser("history", help="events of a record, a group, or the whole ledger")
    target = run.add_mutually_exclusive_group()
    target.add_argument("--record", help="a record's id (with --kind)")
    target.add_argument("--group", help="a group's timeline")
    run.add_argument("--kind", choices=KINDS, default="decision", help="the record's kind")
    run.add_argument("--kinds", nargs="*", choices=KINDS, help="with --group: only these kinds")
    run.add_argument("--after", type=int, default=0, help="only events after this position")
    run.add_argument("--limit", type=int, default=1000)
    run.add_argument("--json", action="store_true")
    run.set_defaults(func=history)

    run = commands.add_parser("state", help="a group as it stood at a moment")
    run.add_argument("--group", required=True)
    run.add_argument("--as-of", help="transaction time (ISO 8601 with offset)")
    run.add_argument("--effective-at", help="valid time (ISO 8601 with offset)")
    run.add_argument("--json", action="store_true")
    run.set_defaults(func=state)

    run = commands.add_parser("changes", help="what changed in a group between two moments")
    run.add_argument("--group", required=True)
    run.add_argument("--from", dest="start", required=True)
    run.add_argument("--to", dest="end", required=True)
    run.add_argument("--json", action="store_true")
    run.add_argument(
        "--format",
        choices=("table", "json", "md"),
        default="table",
        help="md: minutes as Markdown, grouped by kind, with names and both times",
    )
    run.set_defaults(func=changes)
