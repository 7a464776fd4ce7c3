"""API tokens moved from the api app to customers (customers 0003): administrators keep
seeing them and auditors too. On a database migrated before the move the permissions
followed the content type; on a new one the roles may have been made before the move."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {"Administrator": ["view_apitoken"], "Auditor": ["view_apitoken"]}


def grant(apps, schema_editor):
    for label in ("customers", "meters"):
        config = global_apps.get_app_config(label)
        create_permissions(config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:  # a utility that removed the role keeps it removed
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label="customers", codename__in=codenames)
            )
    auditor = Group.objects.filter(name="Auditor").first()
    if auditor is not None:
        auditor.permissions.add(
            *Permission.objects.filter(content_type__app_label="meters", codename="view_submissionkey")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("office", "0003_authenticator_perms"),
        ("customers", "0003_apitoken_from_api"),
        ("meters", "0007_submissionkey_from_api"),
        ("api", "0004_models_moved_out"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
