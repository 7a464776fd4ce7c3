# News and outage texts kept per language: the text written so far becomes the text of
# the utility's first language.

from django.conf import settings
from django.db import migrations, models
from django.db.models import F

LANGUAGES = ("lv", "ru", "en")
TEXTS = {"News": ("title", "body"), "Outage": ("title", "description")}


def first_language(apps) -> str:
    profile = apps.get_model("utility", "UtilityProfile").objects.filter(pk=1).first()
    codes = [code.strip() for code in (profile.languages if profile else "").split(",") if code.strip() in LANGUAGES]
    return codes[0] if codes else settings.LANGUAGE_CODE[:2]


def forwards(apps, schema_editor):
    first = first_language(apps)
    for model, names in TEXTS.items():
        apps.get_model("news", model).objects.update(**{f"{name}_{first}": F(name) for name in names})


def backwards(apps, schema_editor):
    first = first_language(apps)
    for model, names in TEXTS.items():
        rows = apps.get_model("news", model).objects
        for name in names:
            for code in reversed(dict.fromkeys([first, *LANGUAGES])):  # the first language wins
                rows.exclude(**{f"{name}_{code}": ""}).update(**{name: F(f"{name}_{code}")})


def per_language(model: str, name: str, label: str, field_class, **options) -> list:
    return [
        migrations.AddField(
            model_name=model,
            name=f"{name}_{code}",
            field=field_class(blank=True, verbose_name=f"{label} ({language})", **options),
        )
        for code, language in (("lv", "Latvian"), ("ru", "Russian"), ("en", "English"))
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0001_initial"),
        ("utility", "0005_texts_per_language_readings_channels"),
    ]

    operations = [
        *per_language("news", "title", "title", models.CharField, max_length=200),
        *per_language("news", "body", "text", models.TextField, max_length=20000),
        *per_language("outage", "title", "title", models.CharField, max_length=200),
        *per_language("outage", "description", "details", models.TextField, max_length=5000),
        # Blank first, so that going back can re-create them on rows that have no text.
        migrations.AlterField(
            model_name="news", name="title", field=models.CharField(blank=True, max_length=200, verbose_name="title")
        ),
        migrations.AlterField(
            model_name="news", name="body", field=models.TextField(blank=True, max_length=20000, verbose_name="text")
        ),
        migrations.AlterField(
            model_name="outage", name="title", field=models.CharField(blank=True, max_length=200, verbose_name="title")
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.RemoveField(model_name="news", name="title"),
        migrations.RemoveField(model_name="news", name="body"),
        migrations.RemoveField(model_name="outage", name="title"),
        migrations.RemoveField(model_name="outage", name="description"),
    ]
