"""The hand-written writes of a reading submission write what the ORM would, and a batch of
them reaches PostgreSQL as one statement."""

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from kabinet.lib.pgtune import MAX_STATEMENT_PARAMS, widen_statement_cache
from kabinet.utility.models import Event
from kabinet.utility.services import event_record, events_record
from kabinet.utility.sql import WriteBatch


def test_events_written_by_hand_read_back_like_those_the_orm_writes(personas):
    by_orm = event_record(kind="x.orm", actor=personas.alice, obj=personas.alice_cold, ip="10.0.0.1", data={"a": [1]})
    (by_hand,) = events_record(
        events=[
            {
                "kind": "x.hand",
                "actor": personas.alice,
                "obj": personas.alice_cold,
                "ip": "10.0.0.1",
                "data": {"a": [1]},
            }
        ]
    )
    orm, hand = Event.objects.get(pk=by_orm.pk), Event.objects.get(pk=by_hand.pk)
    fields = ["actor_id", "object_type", "object_id", "ip", "message", "data"]
    assert [getattr(hand, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert hand.created is not None and hand.kind == "x.hand"


def test_a_batch_is_one_statement_on_postgresql_and_runs_as_it_goes_elsewhere(personas):
    events = [{"kind": f"x.{n}", "actor": personas.alice, "data": {"n": n}} for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        batch = WriteBatch()
        events_record(events=events[:2], batch=batch)
        events_record(events=events[2:], batch=batch)
        written_before_run = Event.objects.filter(kind__startswith="x.").count()
        batch.run()
    assert Event.objects.filter(kind__startswith="x.").count() == 3
    writes = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    if connection.vendor == "postgresql":
        assert written_before_run == 0
        assert len(writes) == 1 and writes[0].startswith("WITH ")
    else:
        assert written_before_run == 3
        assert len(writes) == 2


def test_statements_added_before_run_first_and_in_their_order(personas):
    # A second reading in a period supersedes the first before the new one is inserted:
    # the batch's UPDATEs must not see, or be seen by, the rows it inserts after them.
    event_record(kind="x.old", actor=personas.alice)
    table = connection.ops.quote_name(Event._meta.db_table)
    batch = WriteBatch()
    batch.add_before(f"UPDATE {table} SET kind = %s WHERE kind = %s", ["x.older", "x.old"])
    batch.add_before(f"UPDATE {table} SET kind = %s WHERE kind = %s", ["x.oldest", "x.older"])
    events_record(events=[{"kind": "x.old", "actor": personas.alice}], batch=batch)
    batch.run()
    assert sorted(Event.objects.filter(kind__startswith="x.").values_list("kind", flat=True)) == ["x.old", "x.oldest"]


def test_a_failing_batch_raises_djangos_error_and_writes_nothing(personas):
    first = event_record(kind="x.first", actor=personas.alice)
    second = event_record(kind="x.second", actor=personas.alice)
    table = connection.ops.quote_name(Event._meta.db_table)
    with pytest.raises(IntegrityError), transaction.atomic():
        batch = WriteBatch()
        batch.add_before(f"UPDATE {table} SET kind = %s WHERE id = %s", ["x.renamed", first.pk])
        batch.add_before(f"UPDATE {table} SET id = %s WHERE id = %s", [first.pk, second.pk])
        events_record(events=[{"kind": "x.third", "actor": personas.alice}], batch=batch)
        batch.run()
    # The connection is usable again and the whole batch was rolled back.
    assert sorted(Event.objects.filter(kind__startswith="x.").values_list("kind", flat=True)) == ["x.first", "x.second"]


def test_psycopg_caches_the_conversion_of_long_statements():
    # A submission's batch has about a hundred parameters; psycopg caches the conversion of
    # its placeholders only up to its limits, which Kabinet widens at start-up.
    assert widen_statement_cache()
    assert psycopg._queries.MAX_CACHED_STATEMENT_PARAMS >= MAX_STATEMENT_PARAMS
    assert psycopg._queries.MAX_CACHED_STATEMENT_LENGTH >= 64 * 1024


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_postgresql_prepares_the_statements_a_connection_repeats(db):
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT %s::int + 1", [1])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["SELECT $1::int + 1%"])
        assert cursor.fetchone()[0] == 1
