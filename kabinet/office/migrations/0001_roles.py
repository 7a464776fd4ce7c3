"""The staff roles (kabinet/office/roles.py) as groups with their permissions.

Permissions are normally created after `migrate` finishes (post_migrate); on a new
database they do not exist yet here, so they are created first."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def roles_create(apps, schema_editor):
    from kabinet.office.roles import AUDITOR, AUDITOR_APPS, ROLES

    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    by_name = {
        f"{app}.{codename}": pk
        for pk, app, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    for role in ROLES:
        group, created = Group.objects.get_or_create(name=role.name)
        if not created:
            continue  # the utility's own edits stay
        if role is AUDITOR:
            perms = [pk for name, pk in by_name.items() if name.split(".")[0] in AUDITOR_APPS and ".view_" in name]
        else:
            known = [name for name in role.perms if _model_exists(apps, name)]  # later ones: later migrations
            missing = [name for name in known if name not in by_name]
            if missing:
                raise LookupError(f"role {role.name}: no such permissions {missing}")
            perms = [by_name[name] for name in known]
        group.permissions.set(perms)


def _model_exists(apps, perm: str) -> bool:
    app_label, codename = perm.split(".")
    try:
        apps.get_model(app_label, codename.split("_", 1)[1])
    except LookupError:
        return False
    return True


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("utility", "0001_initial"),
        ("notifications", "0004_outbox_secret_values"),
        ("customers", "0002_access"),
        ("meters", "0004_queued_readings_index"),
        ("billing", "0005_lean_invoice_indexes"),
        ("payments", "0002_statements_online_cashier"),
        ("servicedesk", "0002_default_categories"),
        ("news", "0001_initial"),
        ("reception", "0001_initial"),
        ("api", "0002_submission_keys"),
    ]

    operations = [migrations.RunPython(roles_create, migrations.RunPython.noop)]
