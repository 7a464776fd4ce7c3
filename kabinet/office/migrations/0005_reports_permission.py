"""The back office's reports (kabinet/office/reports): one permission, held by a model
with no table, granted to the roles that read the utility's figures: the accountant, the
administrator and the auditor (who reads everything). The hotline, the meter engineer,
the dispatcher and customer service work one customer or one queue at a time and do not
see the debtors' list or the turnover."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

GRANTS = ("Accountant", "Administrator", "Auditor")


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("office"), verbosity=0, apps=apps, using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perm = Permission.objects.get(content_type__app_label="office", codename="view_reports")
    for group in Group.objects.filter(name__in=GRANTS):  # a utility that removed a role keeps it removed
        group.permissions.add(perm)


class Migration(migrations.Migration):
    dependencies = [("office", "0004_apitoken_perms_moved")]

    operations = [
        migrations.CreateModel(
            name="Reports",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ],
            options={
                "verbose_name": "report",
                "verbose_name_plural": "reports",
                "permissions": [("view_reports", "Can view reports and export them")],
                "managed": False,
                "default_permissions": (),
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
