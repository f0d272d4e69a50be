"""The report's principles: agreed, amended and retired in the period, cited and answered."""

from __future__ import annotations

from typing import Any

from application.reports.context import ReportContext


def principles(c: ReportContext) -> dict[str, Any]:
    high = c.high
    proposed: dict[str, str] = {}
    amended: dict[str, str] = {}
    started: set[str] = set()
    for _, principle, kind, effective_at, _, _, statement in c.events(
        ("Principle.Proposed", "Principle.Agreed", "Principle.Amended"), with_body=True
    ):
        if kind == "Principle.Proposed":
            proposed[principle] = statement or ""
        # Listed once it was proposed or agreed by the end (an agreement may be back-dated
        # before its proposal's recording), worded as amended by then.
        if effective_at <= high:
            if kind == "Principle.Amended":
                amended[principle] = statement or ""
            else:
                started.add(principle)
    statements = {p: amended.get(p, proposed.get(p, "")) for p in started}
    stances: dict[tuple[str, str], int] = {
        (principle, kind): n
        for principle, kind, n in c.store.count_latest(
            c.position, ("Principle.Endorsed", "Principle.ObjectedTo"), high, c.groups
        )
    }
    cited = c.store.count_citations(c.position, ("Decision.Agreed",), high, c.groups)
    return {
        "agreed": c.count("Principle.Agreed"),
        "amended": c.count("Principle.Amended"),
        "retired": c.count("Principle.Retired"),
        "principles": [
            {
                "principle_id": pid,
                "statement": statements[pid],
                "cited_by_decisions": cited.get(pid, 0),
                "endorsers": stances.get((pid, "Principle.Endorsed"), 0),
                "objectors": stances.get((pid, "Principle.ObjectedTo"), 0),
            }
            for pid in sorted(started, key=lambda p: (-cited.get(p, 0), statements[p]))
        ],
    }
