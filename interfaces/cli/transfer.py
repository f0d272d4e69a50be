"""`accord export` and `accord import`: the whole ledger as JSON Lines, positions kept."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

from domain.base import InvalidInput
from interfaces.bootstrap import build_ledger
from interfaces.cli.target import undone_on_failure
from interfaces.settings import Settings


def export(args: argparse.Namespace, settings: Settings) -> int:
    if args.format == "madr":
        return export_decision_records(Path(args.file), settings)
    # Written beside the file and renamed when complete: a failed export leaves no half file.
    target = Path(args.file)
    partial = target.with_name(target.name + ".partial")
    ledger = build_ledger(settings)
    try:
        head = ledger.head_position()
        with (
            open(partial, "w", encoding="utf-8") as out,
            tqdm(total=head, unit="event", disable=head < 10_000, file=sys.stderr) as bar,
        ):
            try:
                for line in ledger.transfer.export_lines():
                    out.write(json.dumps(line, sort_keys=True) + "\n")
                    if "position" in line:
                        bar.update(1)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
        os.replace(partial, target)
    finally:
        ledger.close()
    print(f"exported {head} events to {args.file}")
    print(
        "the file holds the person keys (names and emails are readable with it): "
        "keep it as safe as the database, and delete it when done",
        file=sys.stderr,
    )
    return 0


def export_decision_records(folder: Path, settings: Settings) -> int:
    """Every decision, oldest first, as one MADR Markdown file in `folder` (made if need be;
    nothing in it is overwritten: a folder that already holds any of the files is refused)."""
    from interfaces.reports.decision_record import EVERYTHING, decision_record, file_name

    ledger = build_ledger(settings)
    try:
        decisions = ledger.records.all_decisions()
        documents = {
            file_name(number, d): decision_record(ledger, d, EVERYTHING)
            for number, d in enumerate(decisions, start=1)
        }
    finally:
        ledger.close()
    there = sorted(name for name in documents if (folder / name).exists())
    if there:
        raise InvalidInput(f"{folder} already holds {there[0]}: nothing was written", "file")
    folder.mkdir(parents=True, exist_ok=True)
    for name, document in documents.items():
        (folder / name).write_text(document, encoding="utf-8")
    print(f"wrote {len(documents)} decision records to {folder}")
    if documents:
        print(
            "the records name the people who decided: keep them where the ledger's readers "
            "may read them, and make them again after someone is forgotten",
            file=sys.stderr,
        )
    return 0


def _read(path: str) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                yield json.loads(text)
            except json.JSONDecodeError:
                raise InvalidInput(f"line {number} of {path} is not JSON", "file") from None


def import_(args: argparse.Namespace, settings: Settings) -> int:
    with open(args.file, encoding="utf-8"):
        pass  # unreadable: said before the target is touched
    # The import itself is one transaction; a target it had to create is removed again.
    with undone_on_failure(settings):
        ledger = build_ledger(settings)
        try:
            with tqdm(unit="event", file=sys.stderr, disable=not sys.stderr.isatty()) as bar:
                done = [0]

                def progress(count: int) -> None:
                    bar.update(count - done[0])
                    done[0] = count

                count = ledger.transfer.import_lines(_read(args.file), progress)
        finally:
            ledger.close()
    ledger = build_ledger(settings)
    try:
        ledger.projector.catch_up()
    finally:
        ledger.close()
    print(f"imported {count} events from {args.file}")
    return 0


def register(commands: Any) -> None:
    run = commands.add_parser(
        "export",
        help="write every event to a JSON Lines file, or every decision as a Markdown record",
    )
    run.add_argument("file", help="the file (jsonl), or the folder for the records (madr)")
    run.add_argument(
        "--format",
        choices=("jsonl", "madr"),
        default="jsonl",
        help="jsonl: the ledger, to import elsewhere; madr: one decision record per decision",
    )
    run.set_defaults(func=export)
    run = commands.add_parser("import", help="load an export into an empty store")
    run.add_argument("file")
    run.set_defaults(func=import_)
