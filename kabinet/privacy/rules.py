"""Pure rules of privacy requests: the retention period, scrubbing a value out of a text,
and the rows of an export section as CSV. No database here."""

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

# Both reference laws keep accounting documents five years after the end of their year.
DEFAULT_RETENTION_YEARS = 5
ERASED = "[erased]"


def retention_basis_default(currency: str) -> str:
    """The law that makes a utility keep invoices, payments and readings, by country."""
    if currency == "RUB":
        return _("Federal Law 402-FZ “On Accounting”, art. 29: at least 5 years after the reporting year.")
    return _("Accounting Law of Latvia (Grāmatvedības likums): accounting documents are kept 5 years.")


def retention_until(last_record: dt.date | None, years: int, today: dt.date) -> dt.date:
    """The last day the kept records of an account must be held: the end of the year
    `years` after the year of its latest record (or of today, when it has none)."""
    year = (last_record or today).year + years
    return dt.date(year, 12, 31)


def scrub(text: str, values: Iterable[str]) -> str:
    """`text` with every occurrence of `values` (case-insensitive) replaced by ERASED."""
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        text = re.sub(re.escape(value), ERASED, text, flags=re.IGNORECASE)
    return text


def scrub_json(data, values: Sequence[str]):
    """scrub() inside every string of a JSON value, keys included."""
    if isinstance(data, str):
        return scrub(data, values)
    if isinstance(data, list):
        return [scrub_json(item, values) for item in data]
    if isinstance(data, dict):
        return {scrub(str(key), values): scrub_json(item, values) for key, item in data.items()}
    return data


def rows_csv(rows: Sequence[dict]) -> str:
    """A section's rows as CSV (UTF-8 with BOM, so spreadsheets read Cyrillic and ā right);
    nested values are written as their JSON text by the caller."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    return buffer.getvalue()
