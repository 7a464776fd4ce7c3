from django.contrib.auth.backends import ModelBackend
from django.db import connection

from kabinet.customers.models import User
from kabinet.utility.sql import Columns


def user_for_identifier(identifier: str) -> User | None:
    """The login named by an e-mail, a 5-digit client code, an account number or a staff username."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    if "@" in identifier:
        return User.objects.filter(email__iexact=identifier).first()
    if identifier.isdigit():
        if len(identifier) == 5:
            # A customer may have an active login and another waiting for activation.
            return User.objects.filter(customer__client_code=identifier).order_by("-is_active", "id").first()
        holder = (
            User.objects.filter(account_accesses__account__number=identifier, account_accesses__role="holder")
            .order_by("-is_active", "id")
            .first()
        )
        if holder is not None:
            return holder
        return User.objects.filter(customer__accounts__number=identifier).order_by("-is_active", "id").first()
    return User.objects.filter(username=identifier).first()


class IdentifierBackend(ModelBackend):
    """Log in with an account number, a client code or an e-mail (or a staff username)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = user_for_identifier(username)
        if user is None:
            # Spend the same time hashing as for a real user: no timing oracle for existence.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The login of a session: read on every page of a logged-in customer, so one
        hand-written query (building the ORM's took longer than running it)."""
        if not isinstance(user_id, int):
            return None
        if connection.vendor not in _user_sql:
            qn = connection.ops.quote_name
            columns = Columns(User, "u")
            _user_sql[connection.vendor] = (
                f"SELECT {columns.sql} FROM {qn(User._meta.db_table)} u WHERE u.id = %s",
                columns,
            )
        sql, columns = _user_sql[connection.vendor]
        with connection.cursor() as cursor:
            cursor.execute(sql, [user_id])
            row = cursor.fetchone()
        user = columns.instance(row) if row is not None else None
        return user if user is not None and self.user_can_authenticate(user) else None


_user_sql: dict[str, tuple[str, Columns]] = {}
