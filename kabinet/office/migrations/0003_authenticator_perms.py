"""Administrators remove a lost authenticator app (its login sets a new one up at the next
login); auditors see who has one."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {"Administrator": ["view_authenticator", "delete_authenticator"], "Auditor": ["view_authenticator"]}


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("office"), verbosity=0, apps=apps, using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:  # a utility that removed the role keeps it removed
            group.permissions.add(*Permission.objects.filter(content_type__app_label="office", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("office", "0002_authenticator")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
