"""gunicorn config for bench_evening_rush's variants of the production server (`-c` in the
bench only; the product never loads it). Switched by the environment of the server:

EVENING_RUSH_FLOOR=1
    The no-op floor: the portal's submission service is replaced in each worker by one that
    stores nothing (no lock, no history, no insert, no commit) and answers with each meter's
    reading of the previous month, so the redirect, the receipt page and everything else of
    the journey stay real. (bench/readings_floor.py answers with ids no row has, which the
    receipt page turns into a 404.) What the journey reaches this way is what the framework,
    the dashboard, the form, the receipt and the PDF leave for the submission itself.

EVENING_RUSH_HASHER=owasp
    Argon2id at OWASP's minimum recommended parameters (Password Storage Cheat Sheet:
    m=19 MiB, t=2, p=1) instead of Django's default (m=100 MiB, t=2, p=8), to measure the
    login stream at those parameters. The seeded passwords must be hashed with the same
    parameters (OwaspArgon2Hasher().encode()), or every login would rehash.
"""

import os

from kabinet.customers.hashers import OwaspArgon2PasswordHasher

# The product's own (kabinet/customers/hashers.py), under the name the bench seeds with.
OwaspArgon2Hasher = OwaspArgon2PasswordHasher


def post_worker_init(worker):
    if os.environ.get("EVENING_RUSH_FLOOR") == "1":
        _install_floor()
    if os.environ.get("EVENING_RUSH_HASHER") == "owasp":
        _install_owasp_hasher()


def _install_owasp_hasher() -> None:
    from django.conf import settings
    from django.contrib.auth import hashers

    settings.PASSWORD_HASHERS = [
        "kabinet.customers.hashers.OwaspArgon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()


def _install_floor() -> None:
    from django.db import connections
    from django.utils import timezone

    import kabinet.portal.readings
    from bench.readings_floor import noop_submitter
    from kabinet.meters.models import Reading

    # Each meter's reading of the previous month, read once per worker: the answer of the
    # no-op is a real row, so the receipt page finds it.
    this_month = timezone.localdate().replace(day=1)
    previous = dict(Reading.objects.filter(period__lt=this_month).values_list("meter_id", "id"))
    connections.close_all()
    kabinet.portal.readings.readings_submit_once = noop_submitter(lambda meter: previous[meter.pk])
