"""Administrators and customer service edit the utility's pages and documents; the auditor
reads them. The roles' table (kabinet/office/roles.py) names the same permissions, which
office 0001 gives a new database when it runs after pages 0001; this grants them when it
ran before (and on existing databases). As exports 0002: permissions are created first."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Customer service": [
        "view_page",
        "add_page",
        "change_page",
        "view_pageversion",
        "restore_pageversion",
        "view_document",
        "add_document",
        "change_document",
    ],
    "Administrator": [
        "view_page",
        "add_page",
        "change_page",
        "delete_page",
        "view_pageversion",
        "restore_pageversion",
        "view_document",
        "add_document",
        "change_document",
        "delete_document",
    ],
    "Auditor": ["view_page", "view_pageversion", "view_document"],
}


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("pages"), verbosity=0, apps=apps, using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:  # a utility that removed the role keeps it removed
            group.permissions.add(*Permission.objects.filter(content_type__app_label="pages", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial"), ("office", "0001_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
