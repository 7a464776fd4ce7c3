"""The Inspector role, and the inspection permissions of the meter engineer (plans routes,
reviews flagged checks) and the auditor (reads them). The roles' table
(kabinet/office/roles.py) names the same permissions, which office 0001 gives a new
database when it runs after inspection 0001; this grants them when it ran before (and on
existing databases, which have no Inspector group yet). As pages 0002: permissions first."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Inspector": ["view_route", "view_routestop", "view_controlcheck", "add_controlcheck"],
    "Meter engineer": [
        "view_route",
        "add_route",
        "change_route",
        "view_routestop",
        "add_routestop",
        "change_routestop",
        "delete_routestop",
        "view_controlcheck",
        "change_controlcheck",
    ],
    "Auditor": ["view_route", "view_routestop", "view_controlcheck"],
}


def grant(apps, schema_editor):
    create_permissions(
        global_apps.get_app_config("inspection"), verbosity=0, apps=apps, using=schema_editor.connection.alias
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # A new role: created here on databases older than it.
    Group.objects.get_or_create(name="Inspector")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:  # a utility that removed the role keeps it removed
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label="inspection", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("inspection", "0001_initial"), ("office", "0001_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
