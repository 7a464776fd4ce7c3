"""Administrators and customer service edit the utility's pages and documents; the auditor
reads them. The roles' table (kabinet/office/roles.py) names the same permissions, which
office 0001 gives a new database when it runs after pages 0001; this grants them when it
ran before (and on existing databases). As exports 0002: permissions are created first."""

from django.db import migrations

from kabinet.lib.role_grants import role_grants_operation

GRANTS = {
    "Customer service": [
        "view_page",
        "add_page",
        "change_page",
        "view_pageversion",
        "restore_pageversion",
        "view_document",
        "add_document",
        "change_document",
    ],
    "Administrator": [
        "view_page",
        "add_page",
        "change_page",
        "delete_page",
        "view_pageversion",
        "restore_pageversion",
        "view_document",
        "add_document",
        "change_document",
        "delete_document",
    ],
    "Auditor": ["view_page", "view_pageversion", "view_document"],
}


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial"), ("office", "0001_roles")]

    operations = [role_grants_operation("pages", GRANTS)]
