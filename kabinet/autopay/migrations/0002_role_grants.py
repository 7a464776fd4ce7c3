"""The automatic payment permissions of the accountant (reads them, stops one) and the
auditor (reads them). The roles' table (kabinet/office/roles.py) names the same
permissions, which office 0001 gives a new database when it runs after autopay 0001; this
grants them when it ran before (existing databases). As pages 0002."""

from django.db import migrations

from kabinet.lib.role_grants import role_grants_operation

GRANTS = {
    "Accountant": ["view_mandate", "change_mandate", "view_attempt", "view_savedmethod"],
    "Auditor": ["view_mandate", "view_attempt", "view_savedmethod"],
}


class Migration(migrations.Migration):
    dependencies = [("autopay", "0001_initial"), ("office", "0001_roles")]

    operations = [role_grants_operation("autopay", GRANTS)]
