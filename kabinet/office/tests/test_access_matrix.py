"""Every door of the back office, as every role: admin actions and custom pages.

Generated from the admin site's registry and URL configuration, so a new action without a
named permission, or a new page opened without office_view(), fails here."""

import functools

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import URLPattern, reverse

ROLE_NAMES = [
    "Operator",
    "Meter engineer",
    "Accountant",
    "Dispatcher",
    "Customer service",
    "Auditor",
    "Administrator",
    "read-only",
    "no role",
]


def registered_actions():
    """(model admin, action name) for every action any model offers, delete_selected included."""
    for model, model_admin in admin.site._registry.items():
        names = set(model_admin.actions or ()) | set(admin.site._actions)
        for name in sorted(names):
            yield pytest.param(model, name, id=f"{model._meta.label_lower}:{name}")


@pytest.mark.parametrize("model, name", list(registered_actions()))
def test_every_action_names_its_permission(model, name):
    model_admin = admin.site._registry[model]
    func = getattr(type(model_admin), name, None) or admin.site._actions[name]
    assert getattr(func, "allowed_permissions", ()), f"{name} on {model.__name__} checks no permission"


@pytest.fixture
def action_recorder(monkeypatch):
    """Replace every action by a stand-in that records it was let through (the gate is
    what is tested here; each action's effect is tested with its service)."""
    ran = []

    def recorder(original, name):
        @functools.wraps(original)
        def action(*args):
            ran.append(name)

        return action

    for model_admin in admin.site._registry.values():
        for name in model_admin.actions or ():
            monkeypatch.setattr(type(model_admin), name, recorder(getattr(type(model_admin), name), name))
    for name, func in list(admin.site._actions.items()):
        monkeypatch.setitem(admin.site._actions, name, recorder(func, name))
        monkeypatch.setitem(admin.site._global_actions, name, recorder(func, name))
    return ran


def run_action(client, user, model, name, ran) -> bool:
    ran.clear()
    client.force_login(user)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    client.post(url, {"action": name, "index": "0", "select_across": "1", ACTION_CHECKBOX_NAME: ["0"]})
    return name in ran


def has_perms(user, model, name) -> bool:
    func = getattr(type(admin.site._registry[model]), name, None) or admin.site._actions[name]
    opts = model._meta
    return all(user.has_perm(f"{opts.app_label}.{p}_{opts.model_name}") for p in func.allowed_permissions)


@pytest.mark.parametrize("model, name", list(registered_actions()))
def test_every_action_runs_only_for_roles_holding_its_permission(client, staff, action_recorder, model, name):
    # The superuser is the baseline: an action the model's admin switched off runs for nobody.
    enabled = run_action(client, staff["superuser"], model, name, action_recorder)
    for role in ROLE_NAMES:
        user = staff[role]
        expected = enabled and has_perms(user, model, name)
        assert run_action(client, user, model, name, action_recorder) == expected, (role, model.__name__, name)


# --- custom pages -----------------------------------------------------------------------

STANDARD = ("_changelist", "_add", "_history", "_delete", "_change", "_autocomplete")


def custom_pages():
    """Every URL a model admin adds to Django's own (changelist, add, change, ...)."""
    for model_admin in admin.site._registry.values():
        for pattern in model_admin.get_urls():
            if not isinstance(pattern, URLPattern) or pattern.name is None or pattern.name.endswith(STANDARD):
                continue
            yield pytest.param(pattern, id=pattern.name)


@pytest.mark.parametrize("pattern", list(custom_pages()))
def test_every_custom_page_is_behind_a_named_permission(pattern):
    assert getattr(pattern.callback, "office_perms", None), f"{pattern.name} is not wrapped with office_view()"


def url_of(pattern) -> str:
    args = [999999 for _ in pattern.pattern.converters]  # nothing of that id: refusal comes first
    return reverse(f"admin:{pattern.name}", args=args)


@pytest.mark.parametrize("pattern", list(custom_pages()))
def test_every_custom_page_refuses_roles_without_its_permission(client, staff, pattern):
    perm, post_perm = pattern.callback.office_perms
    url = url_of(pattern)
    for role in [*ROLE_NAMES, "superuser"]:
        user = staff[role]
        client.force_login(user)
        response = client.get(url)
        assert (response.status_code == 403) == (not user.has_perm(perm)), (role, pattern.name, response.status_code)
        if post_perm:
            response = client.post(url, {})
            refused = not (user.has_perm(perm) and user.has_perm(post_perm))
            assert (response.status_code == 403) == refused, (role, pattern.name, "POST", response.status_code)


def test_anonymous_is_sent_to_the_login_page(client, db):
    for param in custom_pages():
        (pattern,) = param.values
        response = client.get(url_of(pattern))
        assert response.status_code == 302 and "/login/" in response["Location"], pattern.name


def test_read_only_staff_e_mails_no_customer_about_an_outage(client, staff):
    """What the penetration test did: a read-only clerk ran "notify" and customers were mailed."""
    import datetime as dt

    from django.utils import timezone

    from kabinet.news.models import Outage, OutageKind, OutageStreet
    from kabinet.notifications.models import OutboxMessage

    now = timezone.now()
    outage = Outage.objects.create(
        kind=OutageKind.PLANNED,
        service=_cold_water(),
        title="Pipe replacement",
        starts_at=now + dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(hours=8),
        published=True,
    )
    OutageStreet.objects.create(outage=outage, street="Rīgas iela")
    for role in ("read-only", "Auditor", "Operator"):
        client.force_login(staff[role])
        client.post(
            reverse("admin:news_outage_changelist"),
            {"action": "notify", "index": "0", ACTION_CHECKBOX_NAME: [str(outage.pk)]},
        )
    outage.refresh_from_db()
    assert outage.notified_at is None and not OutboxMessage.objects.exists()
    client.force_login(staff["Dispatcher"])
    client.post(
        reverse("admin:news_outage_changelist"),
        {"action": "notify", "index": "0", ACTION_CHECKBOX_NAME: [str(outage.pk)]},
    )
    outage.refresh_from_db()
    assert outage.notified_at is not None and OutboxMessage.objects.filter(to="alice@example.com").exists()


def _cold_water():
    from kabinet.utility.models import Service

    return Service.objects.get(code="cold_water")
