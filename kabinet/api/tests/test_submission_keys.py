"""readings_submit_once(): the idempotency key under concurrency (the queue on a phone and
a second tab may retry at the same moment)."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from kabinet.meters.idempotency import readings_submit_once
from kabinet.meters.models import Reading, ReadingSource, SubmissionKey

IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
@time_machine.travel(IN_WINDOW, tick=False)
def test_six_retries_at_once_store_one_submission():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL")
    from kabinet.test import Personas

    p = Personas("lv")
    barrier = threading.Barrier(6)
    results, errors = [], []

    def worker():
        from django.db import connection as conn

        try:
            barrier.wait()
            readings, replayed = readings_submit_once(
                user=p.alice,
                client_key="same-key-from-the-phone",
                entries=[(p.alice_cold, "12,5", False), (p.alice_hot, "3", False)],
                source=ReadingSource.PORTAL,
            )
            results.append(([r.pk for r in readings], replayed))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Reading.objects.count() == 2
    assert len({tuple(ids) for ids, _replayed in results}) == 1  # everyone got the same receipt
    assert sorted(replayed for _ids, replayed in results) == [False, True, True, True, True, True]
    assert SubmissionKey.objects.count() == 1
