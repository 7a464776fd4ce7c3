from django.db.models import Prefetch, QuerySet

from kabinet.servicedesk.models import Category, Comment, ServiceRequest


def categories_active() -> QuerySet[Category]:
    return Category.objects.filter(active=True).order_by("sort_order", "id")


def requests_for_user(user) -> QuerySet[ServiceRequest]:
    """Requests on every open account this login may use (one query with the list's joins)."""
    return (
        ServiceRequest.objects.filter(account__accesses__user=user, account__closed_on__isnull=True)
        .select_related("category", "premises__building", "account")
        .order_by("-created", "-id")
        .distinct()
    )


def request_for_user(user, pk: int) -> ServiceRequest | None:
    """One request with its public history, or None if this login may not see it."""
    return (
        requests_for_user(user)
        .select_related("meter__service")
        .prefetch_related(
            "photos",
            "status_changes",
            Prefetch("comments", queryset=Comment.objects.filter(internal=False).select_related("author")),
        )
        .filter(pk=pk)
        .first()
    )
