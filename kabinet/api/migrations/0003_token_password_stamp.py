from django.db import migrations, models
from django.utils.crypto import salted_hmac


def stamp_existing(apps, schema_editor):
    """Tokens made before this migration keep working until their login's password changes."""
    ApiToken = apps.get_model("api", "ApiToken")
    for token in ApiToken.objects.select_related("user").filter(revoked__isnull=True):
        # As kabinet.api.models.password_stamp() (a migration does not import the app's code).
        token.password_stamp = salted_hmac("kabinet.api.token", token.user.password, algorithm="sha256").hexdigest()[:32]
        token.save(update_fields=["password_stamp"])


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_submission_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="password_stamp",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.RunPython(stamp_existing, migrations.RunPython.noop),
    ]
