"""One-click unsubscribe links: a signed token naming a login and a kind of e-mail.

Every e-mail to a customer carries one for its kind (templates/emails/_footer.txt and
_footer.html render `unsubscribe_url`). The link needs no login: GET shows a confirm
button, POST turns that kind off. Tokens do not expire (old e-mails keep working) and
cannot be forged or edited (signed with SECRET_KEY and a salt of their own).
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from kabinet.notifications.models import MailKind

SALT = "kabinet.notifications.unsubscribe"


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps([user_id, kind], salt=SALT, compress=False)


def unsubscribe_token_read(token: str) -> tuple[int, str] | None:
    """The (user id, kind) a token names, or None for a forged, edited or unknown one."""
    try:
        user_id, kind = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or kind not in MailKind.values or kind == MailKind.ACCOUNT:
        return None
    return user_id, kind


def unsubscribe_url(*, user, kind: str) -> str:
    """The absolute one-click unsubscribe URL for this login and kind ('' for account mail,
    which cannot be turned off)."""
    if user is None or getattr(user, "pk", None) is None or kind == MailKind.ACCOUNT:
        return ""
    path = reverse("portal:unsubscribe", args=[unsubscribe_token(user_id=user.pk, kind=kind)])
    return f"{settings.SITE_URL}{path}"
