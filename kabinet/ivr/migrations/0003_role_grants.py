"""The hotline and the meter engineer see the answering machine's calls of the last day
(who called, the account keyed, the readings given, how the call ended); the auditor reads
them too. The roles' table (kabinet/office/roles.py) names the same permissions for a new
database."""

from django.db import migrations

from kabinet.lib.role_grants import role_grants_operation

GRANTS = {
    "Operator": ["view_callsession"],
    "Meter engineer": ["view_callsession"],
    "Auditor": ["view_callsession"],
}


class Migration(migrations.Migration):
    dependencies = [("ivr", "0002_call_list"), ("office", "0001_roles")]

    operations = [role_grants_operation("ivr", GRANTS)]
