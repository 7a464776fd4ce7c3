"""Rate limits: per token and per address, 429 with Retry-After and the one error shape."""

import time_machine

from kabinet.api import throttles
from kabinet.customers.services.api_tokens import api_token_create


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def limit(monkeypatch, throttle_class, rate):
    from kabinet.api.main import api

    for operation_throttles in _throttles(api):
        for throttle in operation_throttles:
            if isinstance(throttle, throttle_class):
                monkeypatch.setattr(throttle, "limit", throttles.parse_rate(rate))


def _throttles(api):
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                yield operation.throttle_objects


@time_machine.travel("2026-11-28 12:00:10+00:00", tick=False)
def test_a_token_over_its_limit_gets_429_with_retry_after_and_another_token_does_not(client, personas, monkeypatch):
    limit(monkeypatch, throttles.TokenRateThrottle, "3/min")
    _row, first = api_token_create(user=personas.alice, name="Loop")
    _row, second = api_token_create(user=personas.alice, name="Other")

    answers = [client.get("/api/v1/readings/meters", **auth(first)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.get("/api/v1/readings/meters", **auth(first), HTTP_ACCEPT_LANGUAGE="lv")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"  # 12:00:10: the window ends at 12:01:00
    assert refused.json()["code"] == "throttled"
    assert client.get("/api/v1/readings/meters", **auth(second)).status_code == 200

    with time_machine.travel("2026-11-28 12:01:00+00:00", tick=False):
        assert client.get("/api/v1/readings/meters", **auth(first)).status_code == 200


def test_one_address_over_its_limit_is_refused_whatever_the_token(client, personas, monkeypatch):
    limit(monkeypatch, throttles.AddressRateThrottle, "2/min")
    tokens = [api_token_create(user=personas.alice, name=f"T{n}")[1] for n in range(3)]

    answers = [client.get("/api/v1/readings/meters", **auth(token)).status_code for token in tokens]
    assert answers == [200, 200, 429]
    other_address = client.get("/api/v1/readings/meters", **auth(tokens[2]), REMOTE_ADDR="192.0.2.7")
    assert other_address.status_code == 200


def test_an_empty_rate_means_no_limit():
    assert throttles.parse_rate("") is None
    assert throttles.parse_rate("120/min") == (120, 60)
