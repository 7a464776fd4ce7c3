"""Idempotency keys of reading submissions move from the api app to meters: they belong to
the readings door every channel uses. The table stays where it is: only Django's picture
of the models changes, and the content type follows the model."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="meters", model="submissionkey").exists():
        ContentType.objects.filter(app_label="api", model="submissionkey").update(app_label="meters")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="api", model="submissionkey").exists():
        ContentType.objects.filter(app_label="meters", model="submissionkey").update(app_label="api")


class Migration(migrations.Migration):
    dependencies = [
        ("meters", "0006_readingimport_fingerprint"),
        ("api", "0003_token_password_stamp"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SubmissionKey",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("key", models.CharField(max_length=64, verbose_name="key")),
                        ("fingerprint", models.CharField(max_length=64)),
                        ("reading_ids", models.JSONField(default=list)),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "submission key",
                        "verbose_name_plural": "submission keys",
                        "db_table": "api_submissionkey",
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "key"), name="submission_key_user_key_unique")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
