from typing import Any

from django.db import models

from kabinet.utility.models import Event


def event_record(
    *,
    kind: str,
    actor=None,
    obj: models.Model | None = None,
    message: str = "",
    ip: str | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Write one audit trail row. Call it inside the service's transaction."""
    return Event.objects.create(
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        message=message,
        ip=ip,
        data=data or {},
    )
