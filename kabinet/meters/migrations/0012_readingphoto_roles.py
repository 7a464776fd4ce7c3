"""Meter engineers and auditors see the photos of meters sent with readings (as billing
0009 does: the permissions are created first; post_migrate has not run yet on a new
database)."""

from django.db import migrations

from kabinet.lib.role_grants import role_grants_operation

GRANTS = {
    "Meter engineer": ["view_readingphoto"],
    "Auditor": ["view_readingphoto"],
}


class Migration(migrations.Migration):
    dependencies = [("meters", "0011_readingphoto"), ("office", "0001_roles")]

    operations = [role_grants_operation("meters", GRANTS)]
