"""/metrics answers a bearer token or an allowed address, and no one else."""

import pytest

from kabinet.observability.metrics import metrics_allowed

TOKEN = "s3cret-scrape-token"
LOOPBACK = ["127.0.0.1", "::1"]


def test_it_lets_in_the_right_token_from_anywhere():
    assert metrics_allowed(authorization=f"Bearer {TOKEN}", address="203.0.113.9", token=TOKEN, allowed=LOOPBACK)
    assert metrics_allowed(authorization=f"bearer {TOKEN}", address=None, token=TOKEN, allowed=[])


@pytest.mark.parametrize(
    "authorization",
    ["Bearer wrong", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x", f"Token {TOKEN}"],
)
def test_it_refuses_a_wrong_token_even_from_an_allowed_address(authorization):
    assert not metrics_allowed(authorization=authorization, address="127.0.0.1", token=TOKEN, allowed=LOOPBACK)


def test_it_refuses_every_token_when_none_is_configured():
    assert not metrics_allowed(authorization="Bearer ", address="127.0.0.1", token="", allowed=LOOPBACK)
    assert not metrics_allowed(authorization="Bearer x", address="127.0.0.1", token="", allowed=LOOPBACK)


def test_it_lets_in_allowed_addresses_and_networks_without_a_token():
    allowed = [*LOOPBACK, "10.8.0.0/24", "not-an-address"]
    assert metrics_allowed(authorization="", address="127.0.0.1", token=TOKEN, allowed=allowed)
    assert metrics_allowed(authorization="", address="::1", token=TOKEN, allowed=allowed)
    assert metrics_allowed(authorization="", address="10.8.0.77", token=TOKEN, allowed=allowed)
    assert not metrics_allowed(authorization="", address="10.8.1.77", token=TOKEN, allowed=allowed)
    assert not metrics_allowed(authorization="", address="garbage", token=TOKEN, allowed=allowed)
    assert not metrics_allowed(authorization="", address=None, token=TOKEN, allowed=allowed)


# --- through the middleware -------------------------------------------------------------------


@pytest.fixture
def scrape(client, personas, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = LOOPBACK

    def get(**extra):
        return client.get("/metrics", **extra)

    return get


def test_it_answers_a_scraper_on_the_same_host(scrape):
    response = scrape(REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert response["Cache-Control"] == "no-store"
    assert b"kabinet_domain_metrics_up 1.0" in response.content


def test_it_answers_a_token_from_elsewhere(scrape):
    response = scrape(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200


def test_it_refuses_a_stranger(scrape):
    response = scrape(REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert b"kabinet_" not in response.content


def test_it_refuses_a_wrong_token_on_the_same_host(scrape):
    assert scrape(REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer guess").status_code == 403


def test_behind_nginx_it_judges_the_client_not_the_proxy(scrape, settings):
    """nginx connects from 127.0.0.1; the client is the hop it adds to X-Forwarded-For."""
    settings.TRUSTED_PROXIES = 1
    outside = scrape(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert outside.status_code == 403
    forged = scrape(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.9")
    assert forged.status_code == 403


def test_a_scrape_needs_no_allowed_host_nor_https(scrape, settings):
    """Prometheus scrapes http://127.0.0.1:8000/metrics, a host ALLOWED_HOSTS need not list."""
    settings.ALLOWED_HOSTS = ["kabinet.example.lv"]
    settings.SECURE_SSL_REDIRECT = True
    response = scrape(REMOTE_ADDR="127.0.0.1", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200


def test_other_methods_are_not_answered_by_it(client, personas):
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405
