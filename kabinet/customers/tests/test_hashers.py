"""Passwords are hashed with Argon2id at OWASP's parameters; a password hashed before
(Django's default parameters) still logs in and is rehashed with them."""

import pytest
from argon2 import PasswordHasher
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.test import override_settings

from kabinet.customers.hashers import OwaspArgon2PasswordHasher
from kabinet.customers.models import User

OWASP = ["kabinet.customers.hashers.OwaspArgon2PasswordHasher"]


def parameters(encoded: str) -> str:
    # argon2$argon2id$v=19$m=19456,t=2,p=1$salt$hash
    return encoded.split("$")[3]


def test_new_hashes_are_argon2id_at_owasps_parameters():
    encoded = make_password("Ūdens-2026!", hasher=OwaspArgon2PasswordHasher())
    assert encoded.startswith("argon2$argon2id$")
    assert parameters(encoded) == "m=19456,t=2,p=1"
    # Read back by the reference library with the parameters in the hash itself.
    assert PasswordHasher().verify(encoded.removeprefix("argon2"), "Ūdens-2026!")


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=OWASP)
def test_an_older_hash_logs_in_and_is_rewritten_with_owasps_parameters(client):
    alice = User.objects.create_user(username="alice", email="alice@example.com", password="x")
    alice.password = Argon2PasswordHasher().encode("Ūdens-2026!", Argon2PasswordHasher().salt())
    alice.save(update_fields=["password"])
    assert parameters(alice.password) == "m=102400,t=2,p=8"  # Django's default
    assert alice.check_password("Ūdens-2026!")
    alice.refresh_from_db()
    assert parameters(alice.password) == "m=19456,t=2,p=1"
    assert alice.check_password("Ūdens-2026!") and not alice.check_password("udens-2026!")
