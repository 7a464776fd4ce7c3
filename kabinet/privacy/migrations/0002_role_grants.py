"""Customer service handles corrections and erasures; the administrator edits the privacy
notice (and may decide erasures too); the auditor reads everything here, like elsewhere.
The roles' table (kabinet/office/roles.py) names the same permissions for new databases."""

from django.db import migrations

from kabinet.lib.role_grants import role_grants_operation

GRANTS = {
    "Customer service": [
        "view_correctionrequest",
        "change_correctionrequest",
        "view_erasurerequest",
        "change_erasurerequest",
        "view_dataexport",
        "view_consentrecord",
        "view_privacypolicy",
    ],
    "Administrator": [
        "view_privacypolicy",
        "change_privacypolicy",
        "view_erasurerequest",
        "change_erasurerequest",
        "view_correctionrequest",
    ],
    "Auditor": [
        "view_privacypolicy",
        "view_correctionrequest",
        "view_erasurerequest",
        "view_dataexport",
        "view_consentrecord",
    ],
}


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial"), ("office", "0001_roles")]

    operations = [role_grants_operation("privacy", GRANTS)]
