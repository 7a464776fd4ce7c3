"""Accountants and administrators print the paper receipts of a run (add) and download
them (view); auditors see the batches. As office 0003 does for its own permissions: the
permissions are created first (post_migrate has not run yet on a new database)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Accountant": ["view_printbatch", "add_printbatch"],
    "Administrator": ["view_printbatch", "add_printbatch"],
    "Auditor": ["view_printbatch", "view_printbundle"],
}


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("paper"), verbosity=0, apps=apps, using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:  # a utility that removed the role keeps it removed
            group.permissions.add(*Permission.objects.filter(content_type__app_label="paper", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("paper", "0001_initial"), ("office", "0001_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
