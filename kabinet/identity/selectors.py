from django.db.models import QuerySet

from kabinet.customers.models import User
from kabinet.identity.models import ExternalIdentity
from kabinet.identity.providers import Verified


def identity_find(verified: Verified) -> ExternalIdentity | None:
    """The link of a verified identity, with its login (one query)."""
    return (
        ExternalIdentity.objects.select_related("user").filter(issuer=verified.issuer, subject=verified.subject).first()
    )


def identities_of(user: User) -> QuerySet[ExternalIdentity]:
    return ExternalIdentity.objects.filter(user=user).order_by("linked_at", "id")
