"""The staff roles the migration ships: groups with least-privilege permissions."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from kabinet.office.roles import ROLES


def perms_of(name: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename")
    }


def test_it_ships_the_seven_roles_as_groups(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Operator",
        "Meter engineer",
        "Accountant",
        "Dispatcher",
        "Customer service",
        "Auditor",
        "Administrator",
    }
    for role in ROLES:
        if role.perms:
            assert perms_of(role.name) == set(role.perms)


def test_the_auditor_reads_everything_and_changes_nothing(db):
    auditor = perms_of("Auditor")
    assert {"utility.view_event", "payments.view_payment", "billing.view_invoice", "auth.view_group"} <= auditor
    assert all(".view_" in p for p in auditor)
    everything_viewable = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(
            codename__startswith="view_", content_type__app_label__in=["billing", "payments", "customers", "meters"]
        ).values_list("content_type__app_label", "codename")
    }
    assert everything_viewable <= auditor


@pytest.mark.parametrize(
    "role, can, cannot",
    [
        (
            "Operator",
            {"meters.add_reading", "servicedesk.add_servicerequest"},
            {"meters.change_reading", "payments.change_payment", "servicedesk.change_servicerequest"},
        ),
        (
            "Meter engineer",
            {"meters.change_meter", "meters.change_reading", "meters.add_readingimport"},
            {"billing.change_billingrun", "customers.change_customer"},
        ),
        (
            "Accountant",
            {
                "billing.change_billingrun",
                "payments.change_payment",
                "payments.add_statementimport",
                "payments.change_onlinepayment",
            },
            {"utility.change_utilityprofile", "customers.change_user", "billing.change_tariff"},
        ),
        (
            "Dispatcher",
            {"servicedesk.change_servicerequest", "news.change_outage", "news.add_news"},
            {"payments.view_payment", "customers.change_customer"},
        ),
        (
            "Customer service",
            {"customers.change_registrationapplication", "reception.change_message", "customers.change_customer"},
            {"payments.change_payment", "billing.change_billingrun", "customers.change_user"},
        ),
        (
            "Administrator",
            {"utility.change_utilityprofile", "billing.change_tariff", "customers.change_user", "auth.change_group"},
            {"payments.change_payment", "billing.change_billingrun", "meters.change_reading"},
        ),
    ],
)
def test_each_role_holds_its_work_and_not_the_others(db, role, can, cannot):
    perms = perms_of(role)
    assert can <= perms
    assert not (cannot & perms)


MENU = {
    # role: (entries it sees on the back office's home page, entries it does not)
    "Operator": ({"Readings", "Service requests"}, {"Billing runs", "Bank statements", "Groups", "Outbox"}),
    "Accountant": ({"Billing runs", "Payments"}, {"Service requests", "Groups", "Outbox", "News"}),
    "Dispatcher": ({"Service requests", "Outage notices", "News"}, {"Billing runs", "Payments", "Groups"}),
    "Administrator": ({"Groups", "Tariffs"}, {"Payments", "Billing runs", "Readings"}),
}


@pytest.mark.parametrize("role", MENU)
def test_each_role_sees_only_its_menu_entries(client, staff, role):
    client.force_login(staff[role])
    page = client.get(reverse("admin:index")).content.decode()
    shown, hidden = MENU[role]
    for entry in shown:
        assert f">{entry}<" in page, entry
    for entry in hidden:
        assert f">{entry}<" not in page, entry
