from django.db.models import QuerySet

from kabinet.reception.models import Message


def messages_for_user(user) -> QuerySet[Message]:
    return Message.objects.filter(user=user).order_by("-created", "-id")


def message_for_user(user, pk: int) -> Message | None:
    return messages_for_user(user).prefetch_related("replies").filter(pk=pk).first()
