"""Accountants and administrators open the exports page (the ГИС ЖКХ templates, the UBL
e-invoices) and keep the list of e-invoice recipients; auditors see both. As paper 0002
does: the permissions are created first (post_migrate has not run yet on a new database)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Accountant": ["view_exports", "view_einvoicerecipient", "add_einvoicerecipient", "change_einvoicerecipient"],
    "Administrator": ["view_exports", "view_einvoicerecipient", "add_einvoicerecipient", "change_einvoicerecipient"],
    "Auditor": ["view_exports", "view_einvoicerecipient"],
}


def grant(apps, schema_editor):
    create_permissions(
        global_apps.get_app_config("exports"), verbosity=0, apps=apps, using=schema_editor.connection.alias
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:  # a utility that removed the role keeps it removed
            group.permissions.add(*Permission.objects.filter(content_type__app_label="exports", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("exports", "0001_initial"), ("office", "0001_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
