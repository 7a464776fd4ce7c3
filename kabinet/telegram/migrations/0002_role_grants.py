"""Customer service sees which chat is whose and unlinks one; administrators also see
the bot's outbox and send failed messages again; the auditor reads both. The roles' table
(kabinet/office/roles.py) names the same permissions for a new database."""

from django.db import migrations

from kabinet.lib.role_grants import role_grants_operation

GRANTS = {
    "Customer service": ["view_telegramchat", "change_telegramchat"],
    "Administrator": ["view_telegramchat", "change_telegramchat", "view_outgoingmessage", "change_outgoingmessage"],
    "Auditor": ["view_telegramchat", "view_outgoingmessage", "view_linkcode", "view_processedupdate"],
}


class Migration(migrations.Migration):
    dependencies = [("telegram", "0001_initial"), ("office", "0001_roles")]

    operations = [role_grants_operation("telegram", GRANTS)]
