"""A timeline event as a sentence a secretary can read, with names instead of ids and links
to the records and people it names.

Sentences are `markupsafe.Markup`: every piece of recorded text (names, titles, purposes,
notes) is escaped as it is put in, so only the links made here are markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from application.directory import FORGOTTEN, DirectoryQueries
from interfaces.web.templating import long_date

Data = dict[str, Any]
# Where each kind of record has its page.
PAGES = {
    "group": "/console/groups/",
    "decision": "/console/decisions/",
    "conflict": "/console/conflicts/",
    "principle": "/console/principles/",
    "accountability": "/console/accountabilities/",
    "person": "/console/people/",
}
RECORDS = ("decision", "conflict", "principle", "accountability")
# Names that stand for no one a reader could open a page about.
NOT_A_PERSON = (FORGOTTEN, "Unknown person")


def link(href: str, text: Any) -> Markup:
    """An escaped link."""
    return Markup('<a href="{}">{}</a>').format(href, text)


def page_of(kind: str, record_id: str, query: str = "") -> str:
    return f"{PAGES[kind]}{record_id}{query}"


class Namer:
    """Names for one page of events: people, parties and record titles, each read once.

    `sees` says which people the reader may see (the access policy), `sees_group` which
    groups; `query` is the page's time settings, kept by the links it makes.
    """

    def __init__(
        self,
        directory: DirectoryQueries,
        items: list[dict[str, Any]],
        sees: Callable[[str], bool] = lambda _: True,
        sees_group: Callable[[str], bool] = lambda _: True,
        query: str = "",
    ) -> None:
        self.directory = directory
        self.titles = directory.titles([i["record_id"] for i in items])
        self._name = directory.names_for(sees, _people_in(items))
        self.sees_group = sees_group
        self.query = query

    def name(self, person_id: str | None) -> str:
        """Their name as text, if the reader may see them; otherwise who they are not."""
        if not person_id:
            return "someone"
        return self._name(person_id) or "someone outside your groups"

    def person(self, person_id: str | None) -> Markup:
        """Their name linked to their page, if the reader may see them and they are not
        forgotten; otherwise plain text with no name in it."""
        name = self._name(person_id) if person_id else None
        if not person_id or name is None or name in NOT_A_PERSON:
            return escape(self.name(person_id))
        return link(page_of("person", person_id, self.query), name)

    def group(self, group_id: str | None, linked: bool = False) -> Markup:
        """A group's name; linked to its page only if asked (sentences leave groups unlinked,
        so that the one link to a group on a page is the page's own) and the reader sees it."""
        if not group_id:
            return Markup("a group")
        name = self.directory.group_name(group_id)
        if linked and self.sees_group(group_id):
            return link(page_of("group", group_id, self.query), name)
        return escape(name)

    def party(self, party: Data | None) -> Markup:
        if not party:
            return Markup("no one")
        kind, party_id = party.get("kind"), str(party.get("id"))
        if kind == "person":
            return self.person(party_id)
        if kind == "group":
            return self.group(party_id)
        return escape(self.directory.party({"kind": str(kind), "id": party_id}))

    def title(self, record_id: str) -> str:
        if record_id not in self.titles:
            self.titles.update(self.directory.titles([record_id]))
        return self.titles.get(record_id) or "a record"

    def record(self, kind: str, record_id: str | None, text: Any = None) -> Markup:
        """The record's title (or `text`) in quotes, linked to its page."""
        if not record_id:
            return Markup("a record")
        shown = text or self.title(record_id)
        if kind not in RECORDS:
            return escape(shown)
        return _quoted(link(page_of(kind, record_id, self.query), shown))


# Fields of an event's data that name a person, alone or in a list.
PERSON_FIELDS = ("person_id", "raised_by", "proposed_by", "participants", "endorsed_by")
# Fields that name a party or holder ({"kind", "id"}), alone or in a list.
PARTY_FIELDS = ("holder", "to", "from_holder", "parties")


def _people_in(items: list[dict[str, Any]]) -> list[str]:
    """The people a page of events names (who recorded each, and the people in its data),
    so that their names are read together."""
    found: list[str] = []
    for item in items:
        data: Data = item.get("data") or {}
        found.append(str(item.get("recorded_by") or ""))
        for key in PERSON_FIELDS:
            value = data.get(key)
            found += [str(v) for v in value] if isinstance(value, list) else [str(value or "")]
        for key in PARTY_FIELDS:
            value = data.get(key)
            for party in value if isinstance(value, list) else [value]:
                if isinstance(party, dict) and party.get("kind") == "person":
                    found.append(str(party.get("id")))
    return [p for p in found if p]


def _quoted(text: Any) -> Markup:
    return Markup("“{}”").format(text) if text else Markup("")


M = Markup
# The record's link: t() with its title, t(text) with other words.
Title = Callable[..., Markup]
# Type -> (namer, item's data, the record's link, the actor's name) -> what happened.
SAID: dict[str, Callable[[Namer, Data, Title, Markup], Markup]] = {
    "Organisation.Registered": lambda n, d, t, a: M("{} registered the organisation {}").format(
        a, d.get("name") or t()
    ),
    "Group.Convened": lambda n, d, t, a: M("{} convened the group {}").format(a, t(d.get("name"))),
    "Group.PurposeRestated": lambda n, d, t, a: M("The purpose was restated: {}").format(
        _quoted(d.get("purpose"))
    ),
    "Group.MemberJoined": lambda n, d, t, a: M("{} joined as {}").format(
        n.person(d.get("person_id")), d.get("role")
    ),
    "Group.MemberLeft": lambda n, d, t, a: M("{} left the group").format(
        n.person(d.get("person_id"))
    ),
    "Group.MemberRoleChanged": lambda n, d, t, a: M("{} became {}").format(
        n.person(d.get("person_id")), d.get("role")
    ),
    "Group.Closed": lambda n, d, t, a: M("The group was closed"),
    "Decision.Proposed": lambda n, d, t, a: M("{} proposed the decision {}").format(a, t()),
    "Decision.Agreed": lambda n, d, t, a: M(
        "{} was agreed by {}, with {} organisations taking part"
    ).format(
        t(),
        str(d.get("method", "")).replace("_", " "),
        len(d.get("participant_organisations") or []),
    ),
    "Decision.Rejected": lambda n, d, t, a: M("{} was rejected").format(t()),
    "Decision.Withdrawn": lambda n, d, t, a: M("The proposal {} was withdrawn").format(t()),
    "Decision.Revoked": lambda n, d, t, a: M("{} was revoked").format(t()),
    "Decision.Superseded": lambda n, d, t, a: M("{} was superseded by {}").format(
        t(), n.record("decision", d.get("by_decision_id"))
    ),
    "Conflict.Raised": lambda n, d, t, a: M("{} raised a conflict: {}").format(
        a, t(d.get("about"))
    ),
    "Conflict.Acknowledged": lambda n, d, t, a: M("The conflict {} was acknowledged").format(t()),
    "Conflict.NoteAdded": lambda n, d, t, a: M("A note on {}: {}").format(
        t(), _quoted(d.get("text"))
    ),
    "Conflict.Resolved": lambda n, d, t, a: M("The conflict {} was resolved: {}{}").format(
        t(),
        _quoted(d.get("outcome")),
        M(", by the decision {}").format(n.record("decision", d["decision_id"]))
        if d.get("decision_id")
        else "",
    ),
    "Conflict.Escalated": lambda n, d, t, a: M("The conflict {} was escalated to {}").format(
        t(), n.group(d.get("to_group_id"))
    ),
    "Conflict.Withdrawn": lambda n, d, t, a: M("The conflict {} was withdrawn").format(t()),
    "Principle.Proposed": lambda n, d, t, a: M("{} proposed the principle {}").format(
        a, t(d.get("statement"))
    ),
    "Principle.Endorsed": lambda n, d, t, a: M("{} endorsed {}").format(
        n.person(d.get("person_id")), t()
    ),
    "Principle.ObjectedTo": lambda n, d, t, a: M("{} objected to {}").format(
        n.person(d.get("person_id")), t()
    ),
    "Principle.Agreed": lambda n, d, t, a: M("The principle {} was agreed").format(t()),
    "Principle.Amended": lambda n, d, t, a: M("A principle was amended to {}").format(
        t(d.get("statement"))
    ),
    "Principle.Retired": lambda n, d, t, a: M("The principle {} was retired").format(t()),
    "Accountability.Defined": lambda n, d, t, a: M("{} was defined, held by {}").format(
        t(), n.party(d.get("holder"))
    ),
    "Accountability.HandoverOffered": lambda n, d, t, a: M("{} offered {} to {}").format(
        n.party(d.get("from_holder")), t(), n.party(d.get("to"))
    ),
    "Accountability.HandoverAccepted": lambda n, d, t, a: M("{} accepted {}").format(
        n.party(d.get("to")), t()
    ),
    "Accountability.HandoverDeclined": lambda n, d, t, a: M("The offer of {} was declined").format(
        t()
    ),
    "Accountability.HandoverWithdrawn": lambda n, d, t, a: M(
        "The offer of {} was withdrawn"
    ).format(t()),
    "Accountability.Returned": lambda n, d, t, a: M("{} was returned to {}").format(
        t(), n.party(d.get("to"))
    ),
    "Accountability.Retired": lambda n, d, t, a: M("{} was retired").format(t()),
}


def sentence(namer: Namer, item: dict[str, Any]) -> dict[str, Any]:
    """The event as a sentence, with when it took effect and who recorded it when.

    `text` and `when` are markup with links; `plain` is the sentence as text."""
    data: Data = item.get("data") or {}
    actor = namer.person(item.get("recorded_by"))

    def title(text: Any = None) -> Markup:
        return namer.record(item["kind"], item["record_id"], text)

    said = SAID.get(item["type"])
    what = said(namer, data, title, actor) if said else M("{} on {}").format(item["type"], title())
    effective = item.get("effective_at")
    recorded = item.get("recorded_at")
    when = M("in effect {}, ").format(long_date(effective)) if effective else M("")
    return {
        "text": what,
        "plain": what.striptags(),
        "when": M("{}recorded {} by {}").format(when, long_date(recorded), actor),
        "reason": data.get("reason"),
        "position": item["position"],
        "kind": item["kind"],
        "recorded_at": recorded,
    }
