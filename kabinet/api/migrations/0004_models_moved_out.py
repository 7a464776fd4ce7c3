"""ApiToken moved to customers and SubmissionKey to meters (their migrations 0003 and
0007 take over the same tables); the api app keeps no models of its own."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_token_password_stamp"),
        ("customers", "0003_apitoken_from_api"),
        ("meters", "0007_submissionkey_from_api"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel("ApiToken"), migrations.DeleteModel("SubmissionKey")],
            database_operations=[],
        ),
    ]
