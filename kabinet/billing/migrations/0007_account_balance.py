"""AccountBalance: the sum of each account's ledger, kept by triggers on the ledger.

The triggers are the invariant (balance = the sum of the entries), so no writer can
bypass them: the ORM, INSERT … SELECT (publishing a run), COPY (bank statements), a
bulk_create. On PostgreSQL they fire once per statement with the statement's rows
(transition tables) and add them in one upsert, in account order (two transactions
posting to the same accounts queue on the same rows in the same order); they are
ENABLE ALWAYS, so the bulk writers' session_replication_role = replica does not turn
them off. An entry dated in a closed month, a reversal, a correction: each is simply
added, whatever its date, and a reader that asks about a day subtracts the entries
dated after it (kabinet.billing.balances). SQLite has row triggers only.
"""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

# One function per operation: each adds the delta of the statement's rows, per account.
PG_FUNCTION = """
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO billing_accountbalance AS b (account_id, balance, principal)
    SELECT account_id, SUM(amount), COALESCE(SUM(amount) FILTER (WHERE kind <> 'penalty'), 0)
    FROM ({rows}) delta GROUP BY account_id ORDER BY account_id
    ON CONFLICT (account_id) DO UPDATE
    SET balance = b.balance + EXCLUDED.balance, principal = b.principal + EXCLUDED.principal;
    RETURN NULL;
END
$$
"""
NEW_ROWS = "SELECT account_id, amount, kind FROM new_rows"
OLD_ROWS = "SELECT account_id, -amount AS amount, kind FROM old_rows"
PG_OPERATIONS = [
    # (trigger and function name, event, transition tables, the delta's rows)
    ("billing_ledger_balance_insert", "INSERT", "NEW TABLE AS new_rows", NEW_ROWS),
    (
        "billing_ledger_balance_update",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        f"{OLD_ROWS} UNION ALL {NEW_ROWS}",
    ),
    ("billing_ledger_balance_delete", "DELETE", "OLD TABLE AS old_rows", OLD_ROWS),
]

SQLITE_ADD = (
    "INSERT INTO billing_accountbalance (account_id, balance, principal)"
    " VALUES ({row}.account_id, {sign}{row}.amount,"
    " CASE WHEN {row}.kind <> 'penalty' THEN {sign}{row}.amount ELSE 0 END)"
    " ON CONFLICT (account_id) DO UPDATE"
    " SET balance = balance + excluded.balance, principal = principal + excluded.principal;"
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER billing_ledger_balance_insert AFTER INSERT ON billing_ledgerentry BEGIN "
    + SQLITE_ADD.format(row="NEW", sign="")
    + " END",
    "CREATE TRIGGER billing_ledger_balance_update AFTER UPDATE OF account_id, amount, kind"
    " ON billing_ledgerentry BEGIN "
    + SQLITE_ADD.format(row="OLD", sign="-")
    + " "
    + SQLITE_ADD.format(row="NEW", sign="")
    + " END",
    # A delete only updates: an entry's account has its row already (the insert made it),
    # and emptying the tables (the test runner's flush, the demo's --force) must not write
    # a row again after AccountBalance was emptied, for an account deleted next.
    "CREATE TRIGGER billing_ledger_balance_delete AFTER DELETE ON billing_ledgerentry BEGIN "
    "UPDATE billing_accountbalance SET balance = balance - OLD.amount,"
    " principal = principal - CASE WHEN OLD.kind <> 'penalty' THEN OLD.amount ELSE 0 END"
    " WHERE account_id = OLD.account_id; END",
]
TRIGGER_NAMES = ["billing_ledger_balance_insert", "billing_ledger_balance_update", "billing_ledger_balance_delete"]

# Existing entries, added after the triggers exist: on PostgreSQL creating them locks
# the ledger against writes until this migration commits, so nothing is counted twice
# or missed.
BACKFILL = (
    "INSERT INTO billing_accountbalance (account_id, balance, principal)"
    " SELECT account_id, SUM(amount), SUM(CASE WHEN kind <> 'penalty' THEN amount ELSE 0 END)"
    " FROM billing_ledgerentry GROUP BY account_id"
)


def install(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, event, tables, rows in PG_OPERATIONS:
                cursor.execute(PG_FUNCTION.format(name=name, rows=rows))
                cursor.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON billing_ledgerentry REFERENCING {tables}"
                    f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
                )
                cursor.execute(f"ALTER TABLE billing_ledgerentry ENABLE ALWAYS TRIGGER {name}")
        elif connection.vendor == "sqlite":
            for sql in SQLITE_TRIGGERS:
                cursor.execute(sql)
        else:
            raise NotImplementedError(f"ledger balance triggers for {connection.vendor}")
        cursor.execute(BACKFILL)


def uninstall(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for name in TRIGGER_NAMES:
            cursor.execute(
                f"DROP TRIGGER IF EXISTS {name}"
                + (" ON billing_ledgerentry" if connection.vendor == "postgresql" else "")
            )
        if connection.vendor == "postgresql":
            for name in TRIGGER_NAMES:
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_tariff_vat_included"),
        ("customers", "0004_token_scopes"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountBalance",
            fields=[
                (
                    "account",
                    models.OneToOneField(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="ledger_balance",
                        serialize=False,
                        to="customers.account",
                    ),
                ),
                (
                    "balance",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0"), editable=False, max_digits=14, verbose_name="balance"
                    ),
                ),
                (
                    "principal",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0"), editable=False, max_digits=14, verbose_name="principal"
                    ),
                ),
            ],
            options={
                "verbose_name": "account balance",
                "verbose_name_plural": "account balances",
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
