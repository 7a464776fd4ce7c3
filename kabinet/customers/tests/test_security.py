"""Tokens, letter codes, throttle counters and password hashing."""

import datetime as dt
import importlib
import os

import pytest
import time_machine
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.core.cache import cache
from django.utils import translation

from kabinet.customers import throttle as t
from kabinet.customers.tokens import (
    CODE_ALPHABET,
    Purpose,
    code_generate,
    code_hash,
    fingerprint_matches,
    token_make,
    token_read,
    user_fingerprint,
)
from kabinet.utility.exceptions import ApplicationError


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_it_hashes_passwords_with_argon2_outside_tests(monkeypatch):
    """The test run puts MD5 first for speed; production settings must hash with Argon2."""
    import kabinet.settings

    monkeypatch.delitem(__import__("sys").modules, "pytest", raising=False)
    production = importlib.reload(kabinet.settings)
    try:
        assert production.PASSWORD_HASHERS[0] == "kabinet.customers.hashers.OwaspArgon2PasswordHasher"
        assert "MD5" not in " ".join(production.PASSWORD_HASHERS)
    finally:
        monkeypatch.undo()
        importlib.reload(kabinet.settings)
    encoded = Argon2PasswordHasher().encode("violet-kettle-harbour-42", Argon2PasswordHasher().salt())
    assert encoded.startswith("argon2$argon2id$")
    assert Argon2PasswordHasher().verify("violet-kettle-harbour-42", encoded)
    assert identify_hasher(encoded).algorithm == "argon2"
    assert os.environ.get("DJANGO_SETTINGS_MODULE") == "kabinet.settings"


def test_passwords_of_logins_are_checked_against_djangos_validators(settings):
    names = [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
        "StaffPasswordValidator",  # and 12 characters for staff (kabinet/office/tests/test_two_factor.py)
    ]
    assert make_password("x") != make_password("x")  # salted


def test_a_token_is_tied_to_the_logins_state(personas):
    alice = personas.alice
    token = token_make(Purpose.RESET, user=alice)
    data = token_read(Purpose.RESET, token)
    assert data.user_id == alice.pk and fingerprint_matches(alice, data)
    alice.set_password("another-one-55")
    assert not fingerprint_matches(alice, data)


@pytest.mark.parametrize(
    "field,value", [("email", "x@example.com"), ("is_active", False), ("activation_pending", True)]
)
def test_the_fingerprint_changes_with_the_state(personas, field, value):
    before = user_fingerprint(personas.alice)
    setattr(personas.alice, field, value)
    assert user_fingerprint(personas.alice) != before


def test_a_token_for_one_purpose_does_not_work_for_another(personas):
    token = token_make(Purpose.ACTIVATE, user=personas.alice)
    with pytest.raises(ApplicationError) as exc:
        token_read(Purpose.RESET, token)
    assert exc.value.code == "link_invalid"


def test_tokens_expire_per_purpose(personas):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        reset = token_make(Purpose.RESET, user=personas.alice)
        activate = token_make(Purpose.ACTIVATE, user=personas.alice)
    with time_machine.travel(dt.datetime(2026, 1, 2, 0, 1, tzinfo=dt.UTC), tick=False):
        with pytest.raises(ApplicationError) as exc:
            token_read(Purpose.RESET, reset)
        assert exc.value.code == "link_expired"
        token_read(Purpose.ACTIVATE, activate)


def test_codes_are_long_unambiguous_and_hashed():
    codes = {code_generate() for _ in range(200)}
    assert len(codes) == 200
    for code in list(codes)[:20]:
        assert len(code) == 14 and set(code.replace("-", "")) <= set(CODE_ALPHABET)
        assert code_hash(code) == code_hash(code.lower().replace("-", " "))
    assert not set("01ILO") & set(CODE_ALPHABET)


def test_the_throttle_counts_per_key_and_forgets_after_its_window():
    with time_machine.travel(dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC), tick=False):
        for _ in range(t.CODE_ID.attempts):
            t.throttle_hit(t.CODE_ID, "Alice@Example.com ")
        with pytest.raises(ApplicationError) as exc, translation.override("en"):
            t.throttle_check((t.CODE_ID, "alice@example.com"))
        assert exc.value.code == "throttled" and "60 minutes" in exc.value.message
        t.throttle_check((t.CODE_ID, "bob@example.com"), (t.CODE_IP, "127.0.0.1"))
    with time_machine.travel(dt.datetime(2026, 1, 1, 13, 1, tzinfo=dt.UTC), tick=False):
        t.throttle_check((t.CODE_ID, "alice@example.com"))


@pytest.mark.skipif(not os.environ.get("REDIS_TEST_URL"), reason="set REDIS_TEST_URL to run against Redis")
def test_the_throttle_works_on_redis(settings):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "kabinet.lib.redis_cache.RedisCache", "LOCATION": os.environ["REDIS_TEST_URL"]}
    }
    caches["default"].clear()
    try:
        for _ in range(t.RESET_ID.attempts):
            t.throttle_hit(t.RESET_ID, "redis@example.com")
        with pytest.raises(ApplicationError):
            t.throttle_check((t.RESET_ID, "redis@example.com"))
    finally:
        caches["default"].clear()
