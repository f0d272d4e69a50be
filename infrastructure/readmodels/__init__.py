"""SQL for the read models, shared by SQLite (and the in-memory store) and PostgreSQL: one
module per read model (timeline, facts, report columns) and one for their schema."""

from __future__ import annotations

from infrastructure.readmodels.facts import FactQueries
from infrastructure.readmodels.report import ReportQueries
from infrastructure.readmodels.schema import (
    QUERY_INDEXES,
    READ_MODEL_TABLES,
    SCHEMA,
    SCHEMA_VERSION,
    TRACKING,
    create_statements,
)
from infrastructure.readmodels.timeline import TimelineQueries
from infrastructure.readmodels.upgrade import ReadModelUpgrade
from infrastructure.readmodels.writing import ReadModelWriter

__all__ = [
    "QUERY_INDEXES",
    "READ_MODEL_TABLES",
    "SCHEMA",
    "SCHEMA_VERSION",
    "TRACKING",
    "SQLReadModels",
    "create_statements",
]


class SQLReadModels(ReadModelUpgrade, ReadModelWriter, TimelineQueries, FactQueries, ReportQueries):
    """Implements application.ports.ReadModelStore over `_rm_cursor()` and `_p`."""
