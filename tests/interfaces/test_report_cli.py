"""`accord report`: the accountability report as JSON, CSV tables, Markdown and one HTML file.

A ledger is built once with `rich_scenario` on SQLite (and once on PostgreSQL); each test runs
`accord report` and checks what it wrote against `ledger.reports.accountability_report` for the same
arguments.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from interfaces import cli
from interfaces.bootstrap import build_ledger
from interfaces.reports.markdown import render_markdown
from interfaces.settings import Settings
from tests.application.support import rich_scenario
from tests.conftest import acting_as, postgres_schema

FROM = datetime(2023, 12, 1, tzinfo=UTC)
SECTION_HEADINGS = (
    "Key figures",
    "By group",  # the whole ledger of several groups: a breakdown by group
    "Where responsibility sits",
    "How widely it is spread",
    "Handovers",
    "Holding on",
    "Decisions",
    "Conflicts",
    "Principles",
    "Notes on the figures",
)
# The only URLs an inline SVG may carry: XML namespace names, which are never fetched.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


@dataclass
class Scenario:
    url: str
    ids: dict[str, list[str]]
    to: datetime  # a moment after every event of the scenario, so that all of it is in the period
    mid: datetime  # a transaction time halfway through the scenario, for --as-of

    def report(self, **kwargs: Any) -> dict[str, Any]:
        """The ledger's own report, after a JSON round trip."""
        ledger = build_ledger(Settings(database_url=self.url))
        try:
            found = ledger.reports.accountability_report(**kwargs)
        finally:
            ledger.close()
        return json.loads(json.dumps(found, default=_isoformat))


def _isoformat(value: Any) -> str:
    assert isinstance(value, datetime), value
    return value.isoformat()


def build_scenario(url: str) -> Scenario:
    ledger = build_ledger(Settings(database_url=url))
    try:
        ids = rich_scenario(ledger)
        events = ledger.history.ledger_events(0, 500)["items"]
        mid = datetime.fromisoformat(events[len(events) // 2]["recorded_at"])
    finally:
        ledger.close()
    return Scenario(url, ids, datetime.now(UTC) + timedelta(minutes=1), mid)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return build_scenario(f"sqlite:///{tmp_path_factory.mktemp('report') / 'accord.db'}")


def run(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--database-url", url, "report", *args])
    out, err = capsys.readouterr()
    return code, out, err


def period(s: Scenario) -> list[str]:
    return ["--from", FROM.isoformat(), "--to", s.to.isoformat()]


def whole_ledger(s: Scenario) -> dict[str, Any]:
    return s.report(start=FROM, end=s.to)


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    headers = rows[0]
    return headers, [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def section(markdown: str, heading: str) -> str:
    """The text of one `## heading` section of a Markdown document."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, heading
    return match.group(1)


# ---------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    "variant", ["whole ledger by month", "group with sub-groups by week", "as of mid-scenario"]
)
def test_the_json_report_equals_the_ledgers_report_for_the_same_arguments(
    capsys, scenario, variant
):
    s = scenario
    group = s.ids["group"][0]
    if variant == "whole ledger by month":
        args, kwargs = period(s), {"start": FROM, "end": s.to}
    elif variant == "group with sub-groups by week":
        args = [
            *period(s),
            *("--group", group, "--include-subgroups", "--interval", "week"),
            *("--pending-days", "0", "--unchanged-days", "1", "--holding-on", "1"),
        ]
        kwargs = {
            "group_id": group,
            "include_subgroups": True,
            "start": FROM,
            "end": s.to,
            "interval": "week",
            "pending_days": 0,
            "unchanged_days": 1,
            "holding_on_threshold": 1,
        }
    else:
        args = [*period(s), "--as-of", s.mid.isoformat(), "--interval", "quarter"]
        kwargs = {"start": FROM, "end": s.to, "as_of": s.mid, "interval": "quarter"}

    code, out, err = run(capsys, s.url, *args, "--format", "json")

    assert (code, err) == (0, "")
    expected = s.report(**kwargs)
    assert json.loads(out) == expected
    # The arguments reached the report: each variant differs where it should.
    if variant == "group with sub-groups by week":
        assert expected["scope"]["groups"] == sorted([group, s.ids["group"][2]])
        assert expected["interval"] == "week" and len(expected["distribution"]) > 100
        assert expected["holding_on"]["threshold"] == 1
    if variant == "as of mid-scenario":
        full = whole_ledger(s)
        assert expected["as_of"] == s.mid.isoformat()
        assert 0 < expected["position"] < full["position"]


def test_the_json_report_is_written_to_the_file_named_by_out(capsys, scenario, tmp_path):
    target = tmp_path / "nested" / "report.json"

    code, out, err = run(
        capsys, scenario.url, *period(scenario), "--format", "json", "--out", str(target)
    )

    assert (code, err) == (0, "")
    assert out.strip() == f"wrote {target}"
    assert json.loads(target.read_text(encoding="utf-8")) == whole_ledger(scenario)


# ---------------------------------------------------------------- CSV


def expected_tables(report: dict[str, Any]) -> dict[str, tuple[list[str], int]]:
    """Each CSV file's headers and number of rows, worked out from the JSON report."""
    sections = ("holdings", "handovers", "holding_on", "decisions", "conflicts", "principles")
    scalars = sum(
        not isinstance(v, dict | list) for name in sections for v in report[name].values()
    )
    h, ho = report["handovers"], report["holding_on"]
    return {
        "summary": (["section", "figure", "value"], 3 + 5 + scalars),
        "holdings_by_holder": (
            ["holder_kind", "holder_id", "name", "count"],
            len(report["holdings"]["by_holder"]),
        ),
        "holdings_by_holder_kind": (
            ["holder_kind", "count"],
            len(report["holdings"]["by_holder_kind"]),
        ),
        "holdings_by_organisation": (
            ["organisation_id", "name", "count"],
            len(report["holdings"]["by_organisation"]),
        ),
        "holdings_by_sector": (["sector", "count"], len(report["holdings"]["by_sector"])),
        "distribution": (
            [
                "at",
                "accountabilities",
                "holders",
                "organisations",
                "sectors",
                "largest_holder_share",
                "hhi_holders",
                "hhi_organisations",
                "gini_holders",
            ],
            len(report["distribution"]),
        ),
        "distribution_sector_shares": (
            ["at", "sector", "share"],
            sum(len(p["sector_shares"]) for p in report["distribution"]),
        ),
        "handover_flows_between_organisations": (
            ["from_organisation_id", "from_name", "to_organisation_id", "to_name", "count"],
            len(h["flows_between_organisations"]),
        ),
        "handover_flows_between_sectors": (
            ["from_sector", "to_sector", "count"],
            len(h["flows_between_sectors"]),
        ),
        "handovers_pending_longer": (
            ["accountability_id", "handover_id", "to_kind", "to_id", "offered_at"],
            len(h["pending_longer"]),
        ),
        "holders_never_handing_over": (
            ["holder_kind", "holder_id", "name", "count"],
            len(ho["holders_never_handing_over"]),
        ),
        "accountabilities_unchanged_longer": (
            ["accountability_id", "title", "holder_kind", "holder_id", "since"],
            len(ho["unchanged_longer"]),
        ),
        "decisions_by_method": (["method", "count"], len(report["decisions"]["by_method"])),
        "decisions_past_review_date": (
            ["decision_id", "title", "review_date"],
            len(report["decisions"]["past_review_date"]),
        ),
        "decisions_agreed": (
            [
                "decision_id",
                "title",
                "effective_at",
                "method",
                "organisations",
                "sectors",
                "lived_experience",
            ],
            len(report["decisions"]["agreed_in_period"]),
        ),
        "conflicts_open_by_age": (["age", "count"], len(report["conflicts"]["open_by_age"])),
        "principles": (
            ["principle_id", "statement", "cited_by_decisions", "endorsers", "objectors"],
            len(report["principles"]["principles"]),
        ),
        "by_group": (
            [
                "group_id",
                "name",
                "role",
                "parent_group_id",
                "parent_name",
                "depth",
                "accountabilities",
                "holders",
                "organisations",
                "decisions_agreed",
                "handovers_accepted",
                "conflicts_open",
                "conflicts_raised",
            ],
            len(report["by_group"] or []),
        ),
    }


def test_the_csv_report_writes_one_file_per_table_with_headers_and_rows_matching_the_json(
    capsys, scenario, tmp_path
):
    s = scenario
    group = s.ids["group"][0]
    target = tmp_path / "tables"
    args = [*period(s), "--group", group, "--include-subgroups", "--pending-days", "0"]

    code, out, err = run(capsys, s.url, *args, "--format", "csv", "--out", str(target))

    assert (code, err) == (0, "")
    report = s.report(group_id=group, include_subgroups=True, start=FROM, end=s.to, pending_days=0)
    expected = expected_tables(report)
    assert out.strip() == f"wrote {len(expected)} tables to {target}"
    assert sorted(p.name for p in target.iterdir()) == sorted(f"{n}.csv" for n in expected)
    tables = {name: read_csv(target / f"{name}.csv") for name in expected}
    for name, (headers, count) in expected.items():
        assert tables[name][0] == headers, name
        assert len(tables[name][1]) == count, name
    # The scenario fills the tables that matter, so that the counts above compare something.
    for name in (
        "distribution",
        "handover_flows_between_organisations",
        "principles",
        "decisions_agreed",
    ):
        assert tables[name][1], name
    assert len(tables["handovers_pending_longer"][1]) == 1  # the offer to the other group

    by_org = tables["holdings_by_organisation"][1]
    assert [(r["organisation_id"], r["name"], int(r["count"])) for r in by_org] == [
        (r["organisation_id"], r["name"], r["count"]) for r in report["holdings"]["by_organisation"]
    ]
    names = {r["organisation_id"]: r["name"] for r in report["holdings"]["by_organisation"]}
    riverside = s.ids["organisation"][1]
    assert names == {riverside: "Riverside Borough Council"}
    flows = tables["handover_flows_between_organisations"][1]
    assert [
        (f["from_organisation_id"], f["to_organisation_id"], int(f["count"])) for f in flows
    ] == [
        (f["from"], f["to"], f["count"]) for f in report["handovers"]["flows_between_organisations"]
    ]
    # North Trust holds nothing at the end, so the report does not name it; the CLI looks it up.
    assert [(f["from_name"], f["to_name"]) for f in flows] == [
        ("Riverside Borough Council", "North Trust")
    ]
    assert [r["at"] for r in tables["distribution"][1]] == [p["at"] for p in report["distribution"]]
    assert [float(r["hhi_holders"]) for r in tables["distribution"][1]] == [
        p["hhi_holders"] for p in report["distribution"]
    ]
    summary = {(r["section"], r["figure"]): r["value"] for r in tables["summary"][1]}
    assert summary[("report", "group_id")] == group
    assert summary[("report", "include_subgroups")] == "true"
    assert summary[("report", "as_of")] == ""
    assert summary[("handovers", "offered")] == str(report["handovers"]["offered"])
    assert (
        float(summary[("handovers", "acceptance_rate")]) == report["handovers"]["acceptance_rate"]
    )
    assert summary[("decisions", "agreed")] == str(report["decisions"]["agreed"])


# ---------------------------------------------------------------- Markdown


def test_the_markdown_report_has_every_section_and_the_key_figures_of_the_json(
    capsys, scenario, tmp_path
):
    s = scenario
    code, markdown, err = run(capsys, s.url, *period(s), "--format", "md")

    assert (code, err) == (0, "")
    report = whole_ledger(s)
    assert markdown.startswith("# Accountability report: the whole ledger\n")
    headings = re.findall(r"^## (.+)$", markdown, re.M)
    assert headings == list(SECTION_HEADINGS)

    key = section(markdown, "Key figures")
    end = report["distribution"][-1]
    assert (
        f"| Active accountabilities at the end | {report['holdings']['accountabilities']} |" in key
    )
    assert f"| HHI by holder (0-10,000) | {end['hhi_holders']:,.0f} |" in key
    handovers = report["handovers"]
    assert (
        f"| Handovers offered / accepted | {handovers['offered']} / {handovers['accepted']} |"
        in key
    )
    assert f"| Acceptance rate | {100 * handovers['acceptance_rate']:.0f}% |" in key
    assert f"| Decisions agreed | {report['decisions']['agreed']} |" in key

    holdings = section(markdown, "Where responsibility sits")
    for row in report["holdings"]["by_organisation"]:
        assert f"| {row['name']} | {row['organisation_id'][:8]} | {row['count']} |" in holdings

    spread = section(markdown, "How widely it is spread")
    table_rows = [line for line in spread.splitlines() if re.match(r"\| \d{4}-\d\d-\d\d \|", line)]
    assert len(table_rows) == len(report["distribution"])
    assert table_rows[-1].startswith(f"| {report['to'][:10]} | {end['accountabilities']} |")

    flows = section(markdown, "Handovers")
    assert "| Riverside Borough Council | North Trust | 1 |" in flows
    assert "| Local authority | NHS trust (secondary care) | 1 |" in flows

    decisions = section(markdown, "Decisions")
    for item in report["decisions"]["past_review_date"]:
        assert f"| {item['title']} | {item['review_date']} |" in decisions
    conflicts = section(markdown, "Conflicts")
    assert f"| Open at the end | {report['conflicts']['open_at_end']} |" in conflicts
    principles = section(markdown, "Principles")
    for p in report["principles"]["principles"]:
        assert f"| {p['statement']} | {p['cited_by_decisions']} |" in principles

    target = tmp_path / "paper.md"
    code, out, _ = run(capsys, s.url, *period(s), "--format", "md", "--out", str(target))
    assert code == 0 and out.strip() == f"wrote {target}"
    assert target.read_text(encoding="utf-8") == markdown


def test_organisations_the_report_does_not_name_fall_back_to_a_short_id(scenario):
    report = whole_ledger(scenario)
    north_trust, _ = scenario.ids["organisation"]

    flows = section(render_markdown(report), "Handovers")

    assert f"| Riverside Borough Council | {north_trust[:8]} | 1 |" in flows
    assert north_trust not in flows


# ---------------------------------------------------------------- HTML


def test_the_html_report_is_one_self_contained_file_with_inline_charts_and_the_figures(
    capsys, scenario, tmp_path
):
    s = scenario
    group = s.ids["group"][0]
    target = tmp_path / "html" / "report.html"
    args = [*period(s), "--group", group, "--include-subgroups"]

    code, out, err = run(capsys, s.url, *args, "--format", "html", "--out", str(target))

    assert (code, out.strip(), err) == (0, f"wrote {target}", "")
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]
    page = target.read_text(encoding="utf-8")
    report = s.report(group_id=group, include_subgroups=True, start=FROM, end=s.to)

    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Accountability report: Transformation group and its sub-groups" in page
    # Six charts, drawn inline: two bar charts of holdings and four of the time series.
    assert page.count("<svg") == 6
    assert page.count('class="pygal-chart"') == 6
    # Nothing to fetch: no scripts, links, external images, imports or URLs but namespace names.
    for forbidden in ("<script", "<link", "<img", "<iframe", "src=", "@import", "url("):
        assert forbidden not in page, forbidden
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= NAMESPACES
    links = re.findall(r"""(?:href|src)\s*=\s*["']([^"']*)""", page)
    assert links and all(link.startswith("#") for link in links)  # the contents, nothing else
    assert "@media print" in page and "@page" in page
    for heading in SECTION_HEADINGS:
        expected = "By sub-group" if heading == "By group" else heading
        assert f"<h2>{expected}</h2>" in page
    # The handover flow matrix names both organisations and holds the count.
    matrix = page[page.index('<table class="matrix">') :]
    matrix = matrix[: matrix.index("</table>")]
    assert "Riverside Borough Council" in matrix and "North Trust" in matrix
    # The one flow is the largest: the darkest of the five shades (a class, no inline style).
    assert '<td class="cell shade5">1</td>' in matrix and "style=" not in matrix
    end = report["distribution"][-1]
    assert f'<span class="value">{end["hhi_holders"]:,.0f}</span>' in page
    assert (
        f'<span class="value">{report["handovers"]["offered"]} / '
        f"{report['handovers']['accepted']}</span>"
    ) in page
    for p in report["principles"]["principles"]:
        assert f"<td>{p['statement']}</td>" in page


def test_names_are_escaped_in_the_html_and_markdown_reports(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'escape.db'}"
    ledger = build_ledger(Settings(database_url=url))
    try:
        org = ledger.organisations.register_organisation("A&B <Care> | *Trust*", "vcse").id
        person = ledger.people.register_person("Pat", None, org).id
        with acting_as(person):
            group = ledger.groups.convene_group("<b>Board</b>", "board", "Oversee").id
            ledger.accountabilities.define_accountability(
                group, "Keys <&>", {"kind": "person", "id": person}
            )
    finally:
        ledger.close()
    html_path = tmp_path / "report.html"

    code, _, err = run(capsys, url, "--group", group, "--format", "html", "--out", str(html_path))
    assert (code, err) == (0, "")
    page = html_path.read_text(encoding="utf-8")
    assert "<Care>" not in page and "<b>Board</b>" not in page
    assert "A&amp;B &lt;Care&gt; | *Trust*" in page
    assert "&lt;b&gt;Board&lt;/b&gt;" in page

    code, markdown, err = run(capsys, url, "--group", group, "--format", "md")
    assert (code, err) == (0, "")
    assert r"| A&B \<Care\> \| \*Trust\* |" in markdown
    assert markdown.startswith(r"# Accountability report: \<b\>Board\</b\>")


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "html"], "--format html needs --out"),
        (["--format", "csv"], "--format csv needs --out"),
        (["--format", "json", "--from", "2024-01-01T00:00:00"], "--from must include a time-zone"),
        (["--format", "json", "--to", "soon"], "--to must be an ISO 8601 time"),
        (
            ["--format", "json", "--from", "2025-01-01T00:00:00Z", "--to", "2024-01-01T00:00:00Z"],
            "to must be later than from",
        ),
        (["--format", "json", "--group", "00000000-0000-4000-8000-000000000000"], "no group"),
    ],
)
def test_a_report_that_cannot_be_made_exits_with_status_2_and_says_why(
    capsys, scenario, tmp_path, args, message
):
    code, out, err = run(capsys, scenario.url, *args)

    assert code == 2 and out == ""
    assert err.startswith("accord: ") and message in err
    assert list(tmp_path.iterdir()) == []


def test_out_of_range_day_counts_are_refused_by_the_argument_parser(capsys, scenario):
    with pytest.raises(SystemExit) as exited:
        run(capsys, scenario.url, "--format", "json", "--pending-days", "-1")
    assert exited.value.code == 2
    assert "must be between 0 and 36500" in capsys.readouterr().err


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture
def postgres_scenario(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scenario]:
    with postgres_schema(postgres_url) as schema:
        monkeypatch.setenv("ACCORD_POSTGRES_SCHEMA", schema)
        yield build_scenario(postgres_url)


@pytest.mark.postgres
def test_on_postgresql_the_report_in_every_format_agrees_with_the_ledger(
    capsys, postgres_scenario, tmp_path
):
    s = postgres_scenario
    report = whole_ledger(s)

    code, out, err = run(capsys, s.url, *period(s), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == report

    code, _, err = run(capsys, s.url, *period(s), "--format", "csv", "--out", str(tmp_path / "t"))
    assert (code, err) == (0, "")
    for name, (headers, count) in expected_tables(report).items():
        found_headers, rows = read_csv(tmp_path / "t" / f"{name}.csv")
        assert (found_headers, len(rows)) == (headers, count), name

    code, markdown, err = run(capsys, s.url, *period(s), "--format", "md")
    assert (code, err) == (0, "")
    assert re.findall(r"^## (.+)$", markdown, re.M) == list(SECTION_HEADINGS)
    assert "| Riverside Borough Council | North Trust | 1 |" in markdown

    code, _, err = run(
        capsys, s.url, *period(s), "--format", "html", "--out", str(tmp_path / "r.html")
    )
    assert (code, err) == (0, "")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 6
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= NAMESPACES
