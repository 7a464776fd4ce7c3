"""Accountants and administrators print the paper receipts of a run (add) and download
them (view); auditors see the batches. As office 0003 does for its own permissions: the
permissions are created first (post_migrate has not run yet on a new database)."""

from django.db import migrations

from kabinet.lib.role_grants import role_grants_operation

GRANTS = {
    "Accountant": ["view_printbatch", "add_printbatch"],
    "Administrator": ["view_printbatch", "add_printbatch"],
    "Auditor": ["view_printbatch", "view_printbundle"],
}


class Migration(migrations.Migration):
    dependencies = [("paper", "0001_initial"), ("office", "0001_roles")]

    operations = [role_grants_operation("paper", GRANTS)]
