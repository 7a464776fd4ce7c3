"""Role grants for an app that arrives after the roles exist (office 0001).

The roles' table (kabinet/office/roles.py) names every permission, and office 0001 gives
them to a new database's groups when it runs after the app's first migration. On a
database where office 0001 ran first (an existing deployment, or a migration order that
put it earlier), the app's own migration grants them with `role_grants_operation`:
permissions are created first (Django only creates them after the whole migrate), and a
role the utility has removed stays removed.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def role_grants_operation(app_label: str, grants: dict[str, list[str]]) -> migrations.RunPython:
    """A migration operation giving each named group (role) the app's permissions listed
    by codename; reversing it leaves the grants alone."""

    def grant(apps, schema_editor):
        create_permissions(
            global_apps.get_app_config(app_label), verbosity=0, apps=apps, using=schema_editor.connection.alias
        )
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        for name, codenames in grants.items():
            group = Group.objects.filter(name=name).first()
            if group is not None:  # a utility that removed the role keeps it removed
                group.permissions.add(
                    *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
                )

    return migrations.RunPython(grant, migrations.RunPython.noop)
