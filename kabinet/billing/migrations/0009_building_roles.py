"""Meter engineers enter building meters and their readings and review the building
balances; accountants review the balances before publishing; auditors see them all. As
exports 0002 does: the permissions are created first (post_migrate has not run yet on a
new database)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Meter engineer": [
        "view_buildingmeter",
        "add_buildingmeter",
        "change_buildingmeter",
        "view_buildingreading",
        "add_buildingreading",
        "change_buildingreading",
        "view_buildingbalance",
        "change_buildingbalance",
        "view_buildingshare",
    ],
    "Accountant": [
        "view_buildingmeter",
        "view_buildingreading",
        "view_buildingbalance",
        "change_buildingbalance",
        "view_buildingshare",
    ],
    # view_accountbalance (billing 0007) too: once this migration follows office 0001, the
    # roles may be created before 0007 runs, and the auditor reads everything.
    "Auditor": [
        "view_buildingmeter",
        "view_buildingreading",
        "view_buildingbalance",
        "view_buildingshare",
        "view_accountbalance",
    ],
}


def grant(apps, schema_editor):
    create_permissions(
        global_apps.get_app_config("billing"), verbosity=0, apps=apps, using=schema_editor.connection.alias
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:  # a utility that removed the role keeps it removed
            group.permissions.add(*Permission.objects.filter(content_type__app_label="billing", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_building_meters"), ("office", "0001_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
