from django.db import connection
from django.db.models import QuerySet

from kabinet.customers.models import AccountAccess, User


def accesses_for_user(user: User) -> QuerySet[AccountAccess]:
    """Every account this login may open, with its premises and customer, in one query."""
    return (
        AccountAccess.objects.filter(user=user, account__closed_on__isnull=True)
        .select_related("account__premises__building", "account__customer")
        .order_by("account__number")
    )


def user_wants_mail(user: User | None, kind: str) -> bool:
    """Whether this login wants e-mail of this kind (no preference row = yes).
    Account and security mail is always sent."""
    if user is None or not user.email:
        return False
    if kind == "account":
        return True
    from kabinet.customers.models import MailPreference

    pref = MailPreference.objects.filter(user=user, kind=kind).values_list("enabled", flat=True).first()
    return True if pref is None else pref


def mail_wanted_sql(*, user_id: int, kind: str) -> tuple[str, list] | None:
    """user_wants_mail() as an SQL condition with its parameters, for a writer that checks
    it inside its own statement (the outbox insert of a reading receipt): None when mail
    of this kind is always sent. The address is the caller's to check."""
    if kind == "account":
        return None
    from kabinet.customers.models import MailPreference

    qn = connection.ops.quote_name
    sql = (
        f"NOT EXISTS (SELECT 1 FROM {qn(MailPreference._meta.db_table)} WHERE {qn('user_id')} = %s"
        f" AND {qn('kind')} = %s AND {qn('enabled')} = %s)"
    )
    return sql, [user_id, kind, False]
