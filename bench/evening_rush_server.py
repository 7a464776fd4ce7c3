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

import datetime as dt
import os
from decimal import Decimal

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2Hasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


def post_worker_init(worker):
    if os.environ.get("EVENING_RUSH_FLOOR") == "1":
        _install_floor()
    if os.environ.get("EVENING_RUSH_HASHER") == "owasp":
        _install_owasp_hasher()


def _install_owasp_hasher() -> None:
    from django.conf import settings
    from django.contrib.auth import hashers

    # By its import path: gunicorn runs this file under another module name.
    settings.PASSWORD_HASHERS = [
        "bench.evening_rush_server.OwaspArgon2Hasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()


def _install_floor() -> None:
    from django.db import connections
    from django.utils import timezone

    import kabinet.portal.readings
    from kabinet.meters.models import Reading, ReadingStatus

    # Each meter's reading of the previous month, read once per worker: the answer of the
    # no-op is a real row, so the receipt page finds it.
    this_month = timezone.localdate().replace(day=1)
    previous = dict(Reading.objects.filter(period__lt=this_month).values_list("meter_id", "id"))
    connections.close_all()

    def submit_nothing(*, user, client_key, entries, source, ip=None, charge_estimator=None, keep_refused=True):
        now = timezone.now()
        readings = []
        for meter, value, confirm in entries:
            reading = Reading(
                pk=previous[meter.pk],
                meter=meter,
                period=dt.date(now.year, now.month, 1),
                entered_value=str(value),
                value=Decimal(str(value)),
                consumption=Decimal(5),
                status=ReadingStatus.ACCEPTED,
                source=source,
                taken_at=now,
                created=now,
                confirmed=confirm,
            )
            reading.duplicate = False
            readings.append(reading)
        return readings, False

    kabinet.portal.readings.readings_submit_once = submit_nothing
