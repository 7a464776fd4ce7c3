"""A bank file with a DTD is refused before it is parsed: no entity is expanded (the
"billion laughs") or fetched from the server's disk or network (XXE)."""

import pytest

from kabinet.lib.statements import StatementError, parse
from kabinet.lib.tests.statement_builders import Tx, camt053, fidavista

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
"""


@pytest.mark.parametrize("prolog", [LAUGHS, XXE])
@pytest.mark.parametrize("build, fmt", [(camt053, "camt"), (fidavista, "fidavista")])
def test_it_refuses_a_statement_that_declares_entities(prolog, build, fmt):
    document = build([Tx("B1", "4.00")])
    body = document.split(b"?>", 1)[1] if document.startswith(b"<?xml") else document
    with pytest.raises(StatementError) as exc:
        parse(prolog + body.lstrip(), fmt)
    assert "DTD" in exc.value.message and exc.value.where.startswith("line ")
