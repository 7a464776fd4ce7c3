from typing import Any

from django.db import models

from kabinet.utility.models import Event
from kabinet.utility.sql import Insert, WriteBatch


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
    event = _event(kind=kind, actor=actor, obj=obj, message=message, ip=ip, data=data)
    event.save(force_insert=True)
    return event


def _event(
    *,
    kind: str,
    actor=None,
    obj: models.Model | None = None,
    message: str = "",
    ip: str | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    return Event(
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        message=message,
        ip=ip,
        data=data or {},
    )


def events_record(*, events: list[dict[str, Any]], batch: WriteBatch | None = None) -> list[Event]:
    """Write several audit trail rows (each the keyword arguments of event_record) with one
    INSERT: a form of several meters is one round trip, not one per meter. Every reading
    submission writes its events here, so the INSERT is hand-written (see Insert); with a
    `batch` it is sent with the batch (the events then have no primary key)."""
    rows = [_event(**e) for e in events]
    if batch is None:
        return _insert_events(rows)
    if rows:
        batch.add(*_insert_events.statement(rows))
    return rows


_insert_events = Insert(Event)
