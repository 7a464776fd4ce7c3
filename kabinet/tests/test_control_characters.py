"""No input gives a server error: a NUL or another control character sent to every URL
of the portal, the back office and the API, in the query, a form or a JSON body, is
refused with a clear message (PostgreSQL cannot store NUL at all) and stores nothing."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from kabinet.meters.models import Reading

NASTY = ["1\x00", "a\x00b", "\x1b[31m", "x\x07"]


def every_url():
    """Every URL of the site, parameters filled with a plausible value."""

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                yield route, p.pattern.converters

    for route, converters in walk(get_resolver().url_patterns):
        if route.startswith("^") or "(?P" in route:  # regex routes (the admin's app index): covered by others
            continue
        path = route
        for name, converter in converters.items():
            value = "1" if isinstance(converter, IntConverter) else "x"
            path = path.replace(f"<{type(converter).__name__.replace('Converter', '').lower()}:{name}>", value)
            path = path.replace(f"<{name}>", value)
        if "<" in path:
            continue
        yield "/" + path.lstrip("^").rstrip("$")


@pytest.mark.parametrize("who", ["anonymous", "alice", "carol"])
def test_no_url_answers_a_control_character_with_a_server_error(client, personas, who):
    if who != "anonymous":
        client.force_login(getattr(personas, who))
    urls = sorted(set(every_url()))
    assert len(urls) > 50
    for url in urls:
        for nasty in NASTY:
            got = client.get(url, {"q": nasty, "period": nasty})
            assert got.status_code < 500, (url, "GET", got.status_code)
            form = {f: nasty for f in ("value", "text", "name", "email", "identifier", "subject", "comment", "amount")}
            got = client.post(url, form)
            assert got.status_code < 500, (url, "POST", got.status_code)
            if url.startswith("/api/"):
                got = client.post(url, {"value": nasty, "name": nasty}, content_type="application/json")
                assert got.status_code < 500, (url, "JSON", got.status_code)
    assert not Reading.objects.exists()


def test_the_portal_explains_and_the_api_answers_its_error_shape(client, personas):
    client.force_login(personas.alice)
    client.cookies["django_language"] = "en"
    page = client.post("/readings/", {f"value_{personas.alice_cold.pk}": "12\x00"})
    assert page.status_code == 400 and "control characters" in page.content.decode()
    client.logout()
    api = client.post(
        f"/api/v1/readings/meters/{personas.alice_cold.pk}/readings",
        '{"value": "12\\u0000"}',
        content_type="application/json",
    )
    assert api.status_code == 400 and api.json()["code"] == "control_characters"
    assert not Reading.objects.exists()


def test_tabs_and_new_lines_are_text(client, personas):
    client.force_login(personas.alice)
    response = client.get("/readings/history/", {"q": "a\tb\r\nc"})
    assert response.status_code == 200


# Values a view may take for a number and fail on: digits to str.isdigit() that int()
# refuses (superscripts, circled numbers), a decimal digit of another script that int()
# takes, a bare word (redirect() took next=abc for a view name), and numbers too long for
# Decimal.quantize() (an amount of 1E+400).
NOT_QUITE_NUMBERS = ["²", "①", "٣", "abc", "99999999999999999999", "1E+400"]


def _fields_read() -> set[str]:
    """Every field name a view reads by hand (request.GET.get("…"), request.POST["…"])."""
    import re
    from pathlib import Path

    found = set()
    for path in Path(__file__).resolve().parents[1].rglob("*.py"):
        if "tests" not in path.parts:
            found |= set(
                re.findall(r"request\.(?:GET|POST)(?:\.get(?:list)?\(|\[)\"([a-z_0-9]+)\"", path.read_text("utf-8"))
            )
    return found


FIELDS_READ = _fields_read()


@pytest.mark.parametrize("who", ["anonymous", "alice", "carol"])
def test_no_url_fails_on_a_value_that_is_not_quite_a_number(client, personas, who):
    if who != "anonymous":
        client.force_login(getattr(personas, who))
    fields = sorted(set(FIELDS_READ) | {"value", "order", "inspector", "year", "month", "amount", "max_amount", "day"})
    assert {"account", "photo", "premises", "taken_at"} <= FIELDS_READ
    for url in sorted(set(every_url())):
        for odd in NOT_QUITE_NUMBERS:
            got = client.get(url, {f: odd for f in fields})
            assert got.status_code < 500, (url, "GET", odd, got.status_code)
            form = {f: odd for f in fields} | {f"photo_{personas.alice_cold.pk}": odd, f"value_{odd}": "1"}
            got = client.post(url, form)
            assert got.status_code < 500, (url, "POST", odd, got.status_code)
    assert not Reading.objects.exists()


def test_a_form_sent_to_a_json_operation_is_told_to_send_json(client, personas):
    client.force_login(personas.alice)
    client.cookies["django_language"] = "en"
    got = client.post(f"/api/v1/readings/meters/{personas.alice_cold.pk}/readings", {"value": "12"})
    assert got.status_code == 415 and got.json()["code"] == "unsupported_media_type"
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/readings/meters/{meter_id}/readings"]["post"]
    assert "415" in operation["responses"]
    assert not Reading.objects.exists()
