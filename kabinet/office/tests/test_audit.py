"""Every change made in the back office is in the event log with its values before and
after: tariffs, roles and who holds them, deletions; secrets never by value."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from kabinet.billing.models import Tariff
from kabinet.news.models import News
from kabinet.utility.models import Event


def change_form_data(client, url, **changes):
    """What a browser posts back from the admin's change form, with `changes` made."""
    response = client.get(url)
    assert response.status_code == 200, url
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if hasattr(field.widget, "widgets"):  # a split date and time
            value = form[name].field.to_python(value) if isinstance(value, str) else value
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{i}"] = part.isoformat() if part is not None else ""
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    for formset in response.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    data.update(changes)
    return data


def test_a_tariff_change_is_logged_with_its_old_and_new_price(client, staff, personas):
    tariff = Tariff.objects.create(
        service=personas.services["cold_water"],
        price=Decimal("1.23450"),
        vat_rate=Decimal("21"),
        valid_from=dt.date(2026, 1, 1),
    )
    client.force_login(staff["Administrator"])
    url = reverse("admin:billing_tariff_change", args=[tariff.pk])
    response = client.post(url, change_form_data(client, url, price="1.30000"))
    assert response.status_code == 302
    event = Event.objects.get(kind="office.changed", object_type="billing.tariff")
    assert event.actor == staff["Administrator"]
    assert event.data["changes"] == {"price": ["1.23450", "1.30000"]}


def test_a_role_given_and_a_permission_added_are_logged(client, staff, personas):
    client.force_login(personas.carol)
    operator = staff["Operator"]
    url = reverse("admin:customers_user_change", args=[operator.pk])
    accountant = Group.objects.get(name="Accountant")
    groups = [str(g.pk) for g in operator.groups.all()] + [str(accountant.pk)]
    assert client.post(url, change_form_data(client, url, groups=groups)).status_code == 302
    event = Event.objects.get(kind="office.changed", object_type="customers.user")
    assert event.data["changes"]["groups"] == [["Operator"], ["Accountant", "Operator"]]
    assert "password" not in event.data["changes"]

    group = Group.objects.get(name="Dispatcher")
    extra = Permission.objects.get(codename="view_payment")
    url = reverse("admin:auth_group_change", args=[group.pk])
    perms = [str(p.pk) for p in group.permissions.all()] + [str(extra.pk)]
    assert client.post(url, change_form_data(client, url, permissions=perms)).status_code == 302
    event = Event.objects.get(kind="office.changed", object_type="auth.group")
    before, after = event.data["changes"]["permissions"]
    assert set(after) - set(before) == {str(extra)}


def test_a_deletion_keeps_what_was_deleted(client, staff):
    news = News.objects.create(title="Water off on Rīgas iela", body="From 9 to 12.")
    client.force_login(staff["Dispatcher"])
    response = client.post(reverse("admin:news_news_delete", args=[news.pk]), {"post": "yes"})
    assert response.status_code == 302
    event = Event.objects.get(kind="office.deleted")
    assert event.data["model"] == "news.news" and event.data["before"]["title_lv"] == "Water off on Rīgas iela"


def test_secrets_are_logged_as_changed_never_by_value(client, staff, personas):
    client.force_login(personas.carol)
    operator = staff["Operator"]
    url = reverse("admin:customers_user_change", args=[operator.pk])
    assert client.post(url, change_form_data(client, url, email="op.new@utility.example")).status_code == 302
    event = Event.objects.get(kind="office.changed", object_type="customers.user")
    changes = event.data["changes"]
    assert changes["email"] == ["operator@utility.example", "op.new@utility.example"]
    assert set(changes) <= {"email", "date_joined"}  # the form keeps whole seconds of date_joined
    assert operator.password not in str(Event.objects.values_list("data", flat=True)[::1])
