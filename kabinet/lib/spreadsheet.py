"""Cells the product writes into CSV and XLSX files, safe to open in a spreadsheet.

A text cell that starts with =, +, -, @, a tab or a carriage return is read by Excel and
LibreOffice as a formula ("CSV injection": =HYPERLINK(...) in a meter's name or a
reason). Such text is written with a leading apostrophe, which spreadsheets show as
text and do not evaluate (OWASP's advice). Numbers are written as numbers.
Every CSV and XLSX writer of the product goes through this module.
"""

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer whose text cells are neutralised by cell_safe()."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([cell_safe(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
