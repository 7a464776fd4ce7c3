"""Customer service sees the customers' linked identities and unlinks one; the auditor
reads them. The roles' table (kabinet/office/roles.py) names the same permissions for a
new database."""

from django.db import migrations

from kabinet.lib.role_grants import role_grants_operation

GRANTS = {
    "Customer service": ["view_externalidentity", "delete_externalidentity"],
    "Administrator": ["view_externalidentity"],
    "Auditor": ["view_externalidentity"],
}


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial"), ("office", "0001_roles")]

    operations = [role_grants_operation("identity", GRANTS)]
