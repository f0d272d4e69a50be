"""What every read-model mixin needs from its store: a cursor, a parameter mark and chunking."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from infrastructure.common import chunks


class ReadModelBase:
    """The store's cursor and parameter mark (`_rm_cursor()` and `_p`) and helpers over them."""

    prefix: str
    _p: str
    # PostgreSQL: array parameters, and a page's rows sent as one JSON value per table.
    _rm_set_based = False
    # Set by a reset, until the query indexes it dropped are built again.
    _rm_unindexed = False

    def _rm_cursor(self, commit: bool) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _rm_tuples(self, cursor: Any) -> None:
        """This cursor's rows as plain tuples, cheaper to make than mappings."""
        cursor.row_factory = None

    def _rowcount(self, cursor: Any) -> int:
        return int(cursor.rowcount)

    def _in(self, values: list[Any]) -> str:
        return ", ".join([self._p] * len(values))

    def _rm_select_in(
        self, select: str, column: str, values: list[str], more: str = ""
    ) -> list[Any]:
        """The rows of `select` whose `column` is one of `values`: one query on PostgreSQL,
        chunks of a bounded number of parameters elsewhere."""
        values = sorted(set(values))
        found: list[Any] = []
        if not values:
            return found
        with self._rm_cursor(False) as c:
            if self._rm_set_based:
                c.execute(f"{select} WHERE {column} = ANY({self._p}){more}", (values,))
                return list(c.fetchall())
            for chunk in chunks(values):
                c.execute(f"{select} WHERE {column} IN ({self._in(chunk)}){more}", chunk)
                found += c.fetchall()
        return found

    def _rm_chunked(self, values: list[str] | None) -> Iterator[list[str] | None]:
        if values is None:
            yield None
        elif self._rm_set_based:
            yield sorted(set(values))
        else:
            yield from chunks(sorted(set(values)))
