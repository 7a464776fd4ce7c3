"""Model instances from a hand-written query.

For the few hottest reads of a reading submission, where building the SQL of the
equivalent queryset costs more than running it: the SQL is written once, the rows come
back as models with the same values the ORM would give (the fields' database
converters applied: SQLite returns dates and decimals as text and numbers)."""

from django.db import connection


class Columns:
    """The concrete columns of `model` under a table alias, in a SELECT list, and the
    instances made from their slice of a row."""

    def __init__(self, model, alias: str, fields=None):
        self.model = model
        self.fields = list(fields if fields is not None else model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        qn = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{qn(f.column)}" for f in self.fields)
        self._converters = None

    def __len__(self) -> int:
        return len(self.fields)

    def values(self, row) -> list:
        if self._converters is None:
            self._converters = []
            for field in self.fields:
                col = field.get_col(field.model._meta.db_table)
                convs = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
                self._converters.append([(c, col) for c in convs])
        out = []
        for value, converters in zip(row, self._converters, strict=True):
            if value is not None:
                for converter, col in converters:
                    value = converter(value, col, connection)
            out.append(value)
        return out

    def instance(self, row):
        """The model from its slice of a row; None for the NULLs of an outer join."""
        if row[0] is None:
            return None
        return self.model.from_db(connection.alias, self.attnames, self.values(row))
