"""Personal API tokens move from the api app to customers (a token belongs to a login; the
portal manages them and must not import the API door). The table stays where it is: only
Django's picture of the models changes, and the content type (with its permissions)
follows the model."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="customers", model="apitoken").exists():
        ContentType.objects.filter(app_label="api", model="apitoken").update(app_label="customers")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="api", model="apitoken").exists():
        ContentType.objects.filter(app_label="customers", model="apitoken").update(app_label="api")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_access"),
        ("api", "0003_token_password_stamp"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=60, verbose_name="name")),
                        ("prefix", models.CharField(max_length=12, verbose_name="starts with")),
                        ("token_hash", models.CharField(max_length=64, unique=True)),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("last_used", models.DateTimeField(blank=True, null=True, verbose_name="last used")),
                        ("revoked", models.DateTimeField(blank=True, null=True, verbose_name="revoked")),
                        ("password_stamp", models.CharField(blank=True, editable=False, max_length=32)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API token",
                        "verbose_name_plural": "API tokens",
                        "db_table": "api_apitoken",
                        "ordering": ["-created", "-id"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("revoked__isnull", True)),
                                fields=("user", "name"),
                                name="api_token_active_name_unique",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
