"""Every change made in the back office, with its values before and after, in the event log.

The office site (kabinet/office/sites.py) gives every registered ModelAdmin this mixin, so
a new admin is audited without anyone remembering to: the utility's profile, tariffs,
meters, accounts, customers, users and their roles (groups and permissions, many-to-many
included). Changes made through services (readings, payments, billing runs, statuses)
write their own events; the mixin adds the field-level record of what the form changed.
Secrets (password hashes, token hashes, keys) are never copied into the log: a change of
one shows as "changed".
"""

from django.db import models

from kabinet.utility.services import event_record

# Field names whose values are secrets: recorded as changed, never by value.
SECRET_FIELDS = {"password", "token_hash", "key", "code_hash", "secret_values", "password_stamp"}
HIDDEN = "•••"


def snapshot(obj: models.Model | None) -> dict[str, object]:
    """The object's field values as the log keeps them (JSON: text, numbers, lists)."""
    if obj is None or obj.pk is None:
        return {}
    values: dict[str, object] = {}
    for field in obj._meta.concrete_fields:
        value = field.value_from_object(obj)
        values[field.name] = HIDDEN if field.name in SECRET_FIELDS and value else _plain(value)
    for field in obj._meta.many_to_many:
        values[field.name] = sorted(str(related) for related in getattr(obj, field.name).all())
    return values


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)  # Decimal, dates, files


def differences(before: dict, after: dict) -> dict[str, list]:
    """{field: [before, after]} for every field whose value changed."""
    names = dict.fromkeys([*before, *after])
    changed = {name: [before.get(name), after.get(name)] for name in names if before.get(name) != after.get(name)}
    for name in SECRET_FIELDS & changed.keys():
        changed[name] = [HIDDEN, HIDDEN]  # the same mask either side: say only that it changed
    return changed


class AuditedAdminMixin:
    """save_model / save_related / delete_* of a ModelAdmin, each writing an event."""

    def save_model(self, request, obj, form, change):
        if change and obj.pk is not None:
            previous = type(obj)._default_manager.filter(pk=obj.pk).first()
            request._office_before = snapshot(previous)
        else:
            request._office_before = {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if obj.pk is None:  # the admin's save_model handed the work to a service that made another object
            return
        obj = type(obj)._default_manager.filter(pk=obj.pk).first() or obj
        changes = differences(getattr(request, "_office_before", {}), snapshot(obj))
        if changes:
            event_record(
                kind="office.changed" if change else "office.added",
                actor=request.user,
                obj=obj,
                message=str(obj)[:200],
                data={"model": obj._meta.label_lower, "changes": changes},
            )

    def delete_model(self, request, obj):
        before = snapshot(obj)
        super().delete_model(request, obj)
        self._deleted(request, obj, before)

    def delete_queryset(self, request, queryset):
        befores = [(obj, snapshot(obj)) for obj in queryset]
        super().delete_queryset(request, queryset)
        for obj, before in befores:
            self._deleted(request, obj, before)

    @staticmethod
    def _deleted(request, obj, before) -> None:
        event_record(
            kind="office.deleted",
            actor=request.user,
            message=str(obj)[:200],
            data={"model": obj._meta.label_lower, "id": before.get("id"), "before": before},
        )
