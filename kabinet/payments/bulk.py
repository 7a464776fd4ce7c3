"""Set-based inserts: COPY on PostgreSQL (ids reserved from the sequence first, so the
rows can reference each other), bulk_create elsewhere."""

from django.db import connection, models


def bulk_insert(model: type[models.Model], objs: list[models.Model], *, batch_size: int = 5000) -> None:
    """Insert `objs` and set their primary keys. Every concrete field is written, so
    auto_now(_add) fields must already be set by the caller."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=batch_size)
        return
    meta = model._meta
    table = meta.db_table
    fields = [f for f in meta.concrete_fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, meta.pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
        attnames = [f.attname for f in fields]
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([_db_value(getattr(obj, name)) for name in attnames])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = "default"


def _db_value(value):
    if isinstance(value, dict | list):
        import json

        return json.dumps(value)
    return value


def insert_rows(model: type[models.Model], fields: list[str], rows: list[tuple]) -> list[int]:
    """Insert rows given as tuples of the named fields (attnames) and return their new
    ids in order. No model instances on PostgreSQL (building 100,000 of them costs more
    than the COPY itself); columns left out must be nullable."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=5000)
        return [obj.pk for obj in objs]
    meta = model._meta
    table = meta.db_table
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in ["id", *fields])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, meta.pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row((pk, *row))
    return ids
