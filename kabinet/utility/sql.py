"""Model instances from a hand-written query.

For the few hottest reads of a reading submission, where building the SQL of the
equivalent queryset costs more than running it: the SQL is written once, the rows come
back as models with the same values the ORM would give (the fields' database
converters applied: SQLite returns dates and decimals as text and numbers)."""

from contextlib import contextmanager

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


class Insert:
    """A multi-row INSERT of model instances with hand-written SQL. The values are those the
    ORM would write: each field's pre_save() (auto_now_add, defaults already on the
    instance) and get_db_prep_save(). For the writes of every reading submission, where
    bulk_create() spent longer compiling the statement than the database spent running it.

    Without `with_pk` the primary keys come back with RETURNING (PostgreSQL, SQLite 3.35+);
    with it the instances carry keys taken beforehand (see WriteBatch)."""

    def __init__(self, model, *, with_pk: bool = False):
        self.model = model
        self.with_pk = with_pk
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self._sql: dict[tuple[str, int], str] = {}

    def head(self) -> str:
        """`INSERT INTO table (columns)`, for the VALUES of sql() or a SELECT of the caller's."""
        qn = connection.ops.quote_name
        return f"INSERT INTO {qn(self.model._meta.db_table)} ({', '.join(qn(f.column) for f in self.fields)})"

    def params(self, objs: list) -> list:
        """The values of `objs`, row after row, as the ORM would write them."""
        return [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in self.fields]

    def sql(self, rows: int) -> str:
        key = (connection.vendor, rows)
        if key not in self._sql:
            qn = connection.ops.quote_name
            one = f"({', '.join(['%s'] * len(self.fields))})"
            sql = f"{self.head()} VALUES {', '.join([one] * rows)}"
            if not self.with_pk:
                sql += f" RETURNING {qn(self.model._meta.pk.column)}"
            self._sql[key] = sql
        return self._sql[key]

    def statement(self, objs: list) -> tuple[str, list]:
        """The INSERT of `objs` and its parameters; marks them saved."""
        params = self.params(objs)
        for obj in objs:
            obj._state.adding = False
            obj._state.db = connection.alias
        return self.sql(len(objs)), params

    def __call__(self, objs: list) -> list:
        """Insert `objs` (unsaved instances) now and set their primary keys; returns them."""
        if not objs:
            return objs
        sql, params = self.statement(objs)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if not self.with_pk:
                for obj, row in zip(objs, cursor.fetchall(), strict=True):
                    obj.pk = row[0]
        return objs


@contextmanager
def pipelined():
    """On PostgreSQL, the statements executed inside go to the server together and their
    results come back together: one round trip (and a transaction's BEGIN with them)
    instead of one per statement. Fetch the cursors' rows after the block. The server
    still runs them one after another, each on its own snapshot, so a statement sees
    what the ones before it did and waited for. Elsewhere each runs as it is executed."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    # An error comes out when the pipeline is synced, outside Django's cursor: wrapped
    # here, it is the same django.db error as from a cursor.
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


class WriteBatch:
    """Writes whose results a service does not read back (inserts of rows whose keys it
    already has, updates), sent at the end of it. On PostgreSQL they go in one round trip:
    the statements added with add_before() in their order, then the rest as one
    statement, each a data-modifying WITH query, which is most of the cost of a reading
    submission. Elsewhere each runs as it is added. The parts of the combined statement run
    on one snapshot in no set order, so none may depend on another's rows (foreign keys are
    checked at the end of the statement, after all of them)."""

    def __init__(self):
        self.combine = connection.vendor == "postgresql"
        self.before: list[tuple[str, list]] = []
        self.parts: list[tuple[str, list]] = []

    def add(self, sql: str, params: list) -> None:
        if self.combine:
            self.parts.append((sql, params))
            return
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def add_before(self, sql: str, params: list) -> None:
        """A statement of its own, run before the combined one: one that the inserts
        depend on (an UPDATE that makes room under a partial unique index)."""
        if self.combine:
            self.before.append((sql, params))
            return
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def run(self) -> None:
        statements, self.before = self.before, []
        if self.parts:
            *withs, (sql, params) = self.parts
            if withs:
                sql = f"WITH {', '.join(f'w{i} AS ({part})' for i, (part, _p) in enumerate(withs))} {sql}"
                params = [p for _part, part_params in withs for p in part_params] + params
            statements.append((sql, params))
            self.parts = []
        if not statements:
            return
        with connection.cursor() as cursor:
            if len(statements) == 1:
                cursor.execute(*statements[0])
                return
            with pipelined():
                for sql, params in statements:
                    cursor.execute(sql, params)
