"""Set-based inserts: COPY on PostgreSQL (ids reserved from the sequence first, so the
rows can reference each other), bulk_create elsewhere."""

from django.db import connection, models


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
