"""Meter engineers enter building meters and their readings and review the building
balances; accountants review the balances before publishing; auditors see them all. As
exports 0002 does: the permissions are created first (post_migrate has not run yet on a
new database)."""

from django.db import migrations

from kabinet.lib.role_grants import role_grants_operation

GRANTS = {
    "Meter engineer": [
        "view_buildingmeter",
        "add_buildingmeter",
        "change_buildingmeter",
        "view_buildingreading",
        "add_buildingreading",
        "change_buildingreading",
        "view_buildingbalance",
        "change_buildingbalance",
        "view_buildingshare",
    ],
    "Accountant": [
        "view_buildingmeter",
        "view_buildingreading",
        "view_buildingbalance",
        "change_buildingbalance",
        "view_buildingshare",
    ],
    # view_accountbalance (billing 0007) too: once this migration follows office 0001, the
    # roles may be created before 0007 runs, and the auditor reads everything.
    "Auditor": [
        "view_buildingmeter",
        "view_buildingreading",
        "view_buildingbalance",
        "view_buildingshare",
        "view_accountbalance",
    ],
}


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_building_meters"), ("office", "0001_roles")]

    operations = [role_grants_operation("billing", GRANTS)]
