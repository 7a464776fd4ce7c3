"""Customer service handles corrections and erasures; the administrator edits the privacy
notice (and may decide erasures too); the auditor reads everything here, like elsewhere.
The roles' table (kabinet/office/roles.py) names the same permissions for new databases."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Customer service": [
        "view_correctionrequest",
        "change_correctionrequest",
        "view_erasurerequest",
        "change_erasurerequest",
        "view_dataexport",
        "view_consentrecord",
        "view_privacypolicy",
    ],
    "Administrator": [
        "view_privacypolicy",
        "change_privacypolicy",
        "view_erasurerequest",
        "change_erasurerequest",
        "view_correctionrequest",
    ],
    "Auditor": [
        "view_privacypolicy",
        "view_correctionrequest",
        "view_erasurerequest",
        "view_dataexport",
        "view_consentrecord",
    ],
}


def grant(apps, schema_editor):
    create_permissions(
        global_apps.get_app_config("privacy"), verbosity=0, apps=apps, using=schema_editor.connection.alias
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:  # a utility that removed the role keeps it removed
            group.permissions.add(*Permission.objects.filter(content_type__app_label="privacy", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial"), ("office", "0001_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
