"""The Ledger: Accord's one Application, and the one place its services are composed."""

from __future__ import annotations

from typing import Any

from application.access import AccessPolicy
from application.accountabilities import AccountabilityCommands
from application.changes import ChangeQueries
from application.conflicts import ConflictCommands
from application.core import LedgerCore
from application.decisions import DecisionCommands
from application.directory import DirectoryQueries
from application.groups import GroupCommands
from application.history import HistoryQueries
from application.integrity import IntegrityQueries
from application.keys import KeyCommands
from application.organisations import OrganisationCommands
from application.people import PeopleCommands
from application.principles import PrincipleCommands
from application.privacy import PrivacyCommands
from application.profiles import ProfileQueries
from application.records import RecordQueries
from application.reports.accountability import ReportQueries
from application.sessions import SessionCommands
from application.signin_links import SignInLinkCommands
from application.transfer import TransferCommands


class Ledger(LedgerCore):
    """Every governance record in one ordered log (the core: load, save, the store), with
    the command and query services composed on it; commands return (id, version, position).

    `ledger.decisions.agree_decision(...)` says where a command lives: each service is a
    small class that holds the core (and, for a few, another service it asks).
    """

    def __init__(self, env: Any = None) -> None:
        super().__init__(env=env)
        self.organisations = OrganisationCommands(self)
        self.people = PeopleCommands(self)
        self.groups = GroupCommands(self)
        self.decisions = DecisionCommands(self)
        self.conflicts = ConflictCommands(self)
        self.principles = PrincipleCommands(self)
        self.accountabilities = AccountabilityCommands(self)
        self.keys = KeyCommands(self)
        self.access = AccessPolicy(self)
        self.history = HistoryQueries(self)
        self.changes = ChangeQueries(self)
        self.reports = ReportQueries(self)
        self.records = RecordQueries(self, self.history, self.access)
        self.integrity = IntegrityQueries(self)
        self.privacy = PrivacyCommands(self)
        self.transfer = TransferCommands(self, self.privacy)
        self.sessions = SessionCommands(self, self.keys)
        self.sign_in_links = SignInLinkCommands(self)
        self.directory = DirectoryQueries(self)
        self.profiles = ProfileQueries(self, self.access, self.directory, self.history)

    def ping(self) -> None:
        """Raise if the store cannot be reached."""
        self.store.ping()
