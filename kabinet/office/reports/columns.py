"""How a report's rows are shown and exported: its columns, and the report itself."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

# A column's kind: how the page formats it and the XLSX file types it.
TEXT, DATE, MONTH, INT, QTY, MONEY = "text", "date", "month", "int", "qty", "money"


@dataclass(frozen=True)
class Column:
    key: str  # the row's attribute
    label: str | Promise
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind in (INT, QTY, MONEY)


@dataclass(frozen=True)
class Report:
    slug: str
    title: str | Promise
    description: str | Promise
    filters: tuple[str, ...]  # the Filters fields it reads (filters.PERIOD, ...)
    columns: Callable[[], list[Column]]
    rows: Callable[..., list]  # rows(filters) -> list of the report's dataclass
    totals: Callable[[list], Any] | None = None  # the total row over all rows, when it adds up


def cells(row, columns: list[Column]) -> list[tuple[Any, str]]:
    """(value, kind) of each column of a row: what the template and the writers read."""
    return [(getattr(row, column.key), column.kind) for column in columns]
