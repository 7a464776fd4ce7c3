"""Accountants and administrators open the exports page (the ГИС ЖКХ templates, the UBL
e-invoices) and keep the list of e-invoice recipients; auditors see both. As paper 0002
does: the permissions are created first (post_migrate has not run yet on a new database)."""

from django.db import migrations

from kabinet.lib.role_grants import role_grants_operation

GRANTS = {
    "Accountant": ["view_exports", "view_einvoicerecipient", "add_einvoicerecipient", "change_einvoicerecipient"],
    "Administrator": ["view_exports", "view_einvoicerecipient", "add_einvoicerecipient", "change_einvoicerecipient"],
    "Auditor": ["view_exports", "view_einvoicerecipient"],
}


class Migration(migrations.Migration):
    dependencies = [("exports", "0001_initial"), ("office", "0001_roles")]

    operations = [role_grants_operation("exports", GRANTS)]
