"""Bulk writes with the foreign-key triggers off still refuse a row whose parent is missing,
and still hold the parent rows against deletion until the commit."""

import pytest
from django.db import connection, transaction

from kabinet.customers.models import Account
from kabinet.lib import bulk

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers")


def test_it_refuses_a_missing_parent_before_writing(personas):
    alice_account = personas.alice_account
    with pytest.raises(bulk.MissingParent), transaction.atomic(), connection.cursor() as cursor:
        with bulk.triggers_off(cursor, {Account._meta.db_table: [alice_account.pk, 987654321]}):
            pytest.fail("the block must not run")


def test_it_turns_triggers_off_only_inside_the_block(personas):
    with transaction.atomic(), connection.cursor() as cursor:
        with bulk.triggers_off(cursor, {Account._meta.db_table: [personas.alice_account.pk]}) as off:
            cursor.execute("SHOW session_replication_role")
            assert (off, cursor.fetchone()[0]) == (True, "replica")
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


@pytest.mark.django_db(transaction=True)
def test_it_holds_the_parents_against_deletion_like_the_triggers_would(personas):
    import psycopg

    settings = connection.settings_dict
    account = personas.alice_account
    query = f"SELECT id FROM {Account._meta.db_table} WHERE number = '{account.number}'"
    with transaction.atomic(), connection.cursor() as cursor:
        assert bulk.lock_parents(cursor, Account._meta.db_table, query) == (1, 1)
        other = psycopg.connect(
            host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"]
        )
        try:
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(f"SELECT 1 FROM {Account._meta.db_table} WHERE id = %s FOR UPDATE NOWAIT", [account.pk])
        finally:
            other.close()
