"""A payment agent's delimited registry (e.g. Sberbank's), laid out per contract.

The layout names the column of each field (0-based), the delimiter, the encoding and
the date format; a summary line (starting with `summary_prefix`) carries the number of
payments and their total, which must agree with the lines, or the file is refused.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from kabinet.lib.statements.base import StatementError, Transaction, parse_amount, parse_date

FIELDS = ("date", "time", "op_id", "account", "payer_name", "address", "period", "amount", "credited", "commission")


@dataclass(frozen=True)
class RegistryLayout:
    columns: dict[str, int] = field(
        default_factory=lambda: {
            "date": 0,
            "time": 1,
            "op_id": 4,
            "account": 5,
            "payer_name": 6,
            "address": 7,
            "period": 8,
            "amount": 9,
            "credited": 10,
            "commission": 11,
        }
    )
    delimiter: str = ";"
    encoding: str = "cp1251"
    date_format: str = "%d-%m-%Y"
    skip_lines: int = 0
    summary_prefix: str = "="
    summary_count_column: int | None = 0
    summary_total_column: int | None = 1
    name: str = "agent"

    def __post_init__(self):
        for required in ("date", "op_id", "account", "amount"):
            if required not in self.columns:
                raise ValueError(f"the column map needs {required!r}")


def parse_registry(data: bytes, layout: RegistryLayout) -> list[Transaction]:
    try:
        text = data.decode(layout.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise StatementError(f"the file is not in {layout.encoding}", "line 1") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    columns = layout.columns
    width = max(columns.values()) + 1
    transactions: list[Transaction] = []
    summary: tuple[int, list[str]] | None = None
    total = Decimal("0.00")
    for number, raw in enumerate(text.splitlines(), start=1):
        if number <= layout.skip_lines or not raw.strip():
            continue
        where = f"line {number}"
        if layout.summary_prefix and raw.startswith(layout.summary_prefix):
            if summary is not None:
                raise StatementError("a second summary line", where)
            summary = (number, raw[len(layout.summary_prefix) :].split(layout.delimiter))
            continue
        if summary is not None:
            raise StatementError("payment lines after the summary line", where)
        cells = [cell.strip() for cell in raw.split(layout.delimiter)]
        if len(cells) < width:
            raise StatementError(f"{len(cells)} columns, expected at least {width}", where)

        def cell(name: str, cells=cells) -> str:
            index = columns.get(name)
            return cells[index] if index is not None else ""

        amount = parse_amount(cell("amount"), f"{where}, column {columns['amount'] + 1}")
        if amount <= 0:
            raise StatementError("the amount must be positive", f"{where}, column {columns['amount'] + 1}")
        paid_on = parse_date(cell("date"), f"{where}, column {columns['date'] + 1}", (layout.date_format,))
        op_id = cell("op_id")
        if not op_id:
            raise StatementError("the operation id is empty", f"{where}, column {columns['op_id'] + 1}")
        account = cell("account")
        if not account:
            raise StatementError("the account number is empty", f"{where}, column {columns['account'] + 1}")
        period = cell("period")
        total += amount
        transactions.append(
            Transaction(
                bank_ref=f"{layout.name}:{paid_on:%Y%m%d}:{op_id}",
                amount=amount,
                credit=True,
                booked_on=paid_on,
                text=" ".join(part for part in (account, period, cell("address")) if part),
                payer_name=cell("payer_name"),
                account_hint=account,
                where=where,
            )
        )
    if layout.summary_prefix:
        if summary is None:
            raise StatementError(
                f"the summary line (starting with {layout.summary_prefix!r}) is missing", "end of file"
            )
        line, cells = summary
        where = f"line {line} (summary)"
        try:
            if layout.summary_count_column is not None:
                expected = int(cells[layout.summary_count_column].strip())
                if expected != len(transactions):
                    raise StatementError(f"says {expected} payments, the file has {len(transactions)}", where)
            if layout.summary_total_column is not None:
                expected_total = parse_amount(cells[layout.summary_total_column], where)
                if expected_total != total:
                    raise StatementError(f"says the total is {expected_total}, the lines add up to {total}", where)
        except (IndexError, ValueError) as exc:
            if isinstance(exc, StatementError):
                raise
            raise StatementError("the summary line is not in the agreed layout", where) from exc
    return transactions
