"""Bank statement and payment registry parsers (Django-free).

Each parser takes the file's bytes and returns a list of Transaction, or raises
StatementError naming the line or element that is wrong. `parse()` picks the parser
by the file's content when the format is not given.
"""

from kabinet.lib.statements.base import StatementError, Transaction
from kabinet.lib.statements.camt import parse_camt
from kabinet.lib.statements.fidavista import parse_fidavista
from kabinet.lib.statements.onec import parse_1c
from kabinet.lib.statements.registry import RegistryLayout, parse_registry

FORMATS = {
    "camt": "ISO 20022 camt.053 / camt.054",
    "fidavista": "FiDAViSta",
    "1c": "1CClientBankExchange",
    "registry": "Payment agent registry",
}


def detect_format(data: bytes) -> str | None:
    """The format of a file from its first bytes, or None when it is not recognised
    (a delimited registry has no signature: it is chosen explicitly)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"1CClientBankExchange"):
        return "1c"
    if head.startswith(b"<"):
        if b"camt.05" in head or b"BkToCstmr" in head:
            return "camt"
        if b"FIDAVISTA" in head.upper():
            return "fidavista"
    return None


def parse(data: bytes, fmt: str | None = None, *, layout: RegistryLayout | None = None) -> list[Transaction]:
    fmt = fmt or detect_format(data)
    if fmt == "camt":
        return parse_camt(data)
    if fmt == "fidavista":
        return parse_fidavista(data)
    if fmt == "1c":
        return parse_1c(data)
    if fmt == "registry":
        if layout is None:
            raise StatementError("a registry needs its layout (column map)")
        return parse_registry(data, layout)
    raise StatementError("unknown file format: expected camt.053/054, FiDAViSta, 1CClientBankExchange or a registry")


__all__ = [
    "FORMATS",
    "RegistryLayout",
    "StatementError",
    "Transaction",
    "detect_format",
    "parse",
    "parse_1c",
    "parse_camt",
    "parse_fidavista",
    "parse_registry",
]
