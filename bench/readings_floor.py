"""gunicorn config for the floor phase of bench_readings_http: the same server and requests,
with the submission service replaced by a no-op in each worker.

Everything around the submission stays real: the session or token login, CSRF, parsing the
form or JSON, the meters' lookup, the receipt's charge at the real tariff and the response.
Only readings_submit_once() is swapped (in the two doors that call it) for a function that
returns the readings unsaved: no lock, no history, no insert, no commit. Its throughput is
what the framework leaves for the submission itself: a target above it cannot be reached by
making the submission faster.

Not used by the product: gunicorn loads it with `-c` in the bench only.
"""

import datetime as dt
import itertools
from decimal import Decimal


def noop_submitter(reading_id):
    """readings_submit_once() that stores nothing: each entry comes back as an accepted,
    unsaved Reading whose id is `reading_id(meter)` (the receipt page reads it by id)."""
    from django.utils import timezone

    from kabinet.meters.models import Reading, ReadingStatus

    def submit_nothing(*, user, client_key, entries, source, ip=None, charge_estimator=None, keep_refused=True):
        now = timezone.now()
        readings = []
        for meter, value, confirm in entries:
            reading = Reading(
                pk=reading_id(meter),
                meter=meter,
                period=dt.date(now.year, now.month, 1),
                entered_value=str(value),
                value=Decimal(str(value)),
                # A consumption, so the receipt estimates a charge as the real one does.
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

    return submit_nothing


def post_worker_init(worker):
    import kabinet.api.readings
    import kabinet.portal.readings

    ids = itertools.count(10**12)  # never a stored reading's id
    submit_nothing = noop_submitter(lambda meter: next(ids))
    kabinet.api.readings.readings_submit_once = submit_nothing
    kabinet.portal.readings.readings_submit_once = submit_nothing
