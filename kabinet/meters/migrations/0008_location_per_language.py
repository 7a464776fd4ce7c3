# A meter's location kept per language: the text written so far becomes the text of the
# utility's first language.

from django.conf import settings
from django.db import migrations, models
from django.db.models import F

LANGUAGES = ("lv", "ru", "en")


def first_language(apps) -> str:
    profile = apps.get_model("utility", "UtilityProfile").objects.filter(pk=1).first()
    codes = [code.strip() for code in (profile.languages if profile else "").split(",") if code.strip() in LANGUAGES]
    return codes[0] if codes else settings.LANGUAGE_CODE[:2]


def forwards(apps, schema_editor):
    Meter = apps.get_model("meters", "Meter")
    Meter.objects.exclude(location="").update(**{f"location_{first_language(apps)}": F("location")})


def backwards(apps, schema_editor):
    Meter = apps.get_model("meters", "Meter")
    first = first_language(apps)
    for code in reversed(dict.fromkeys([first, *LANGUAGES])):  # the first language wins
        Meter.objects.exclude(**{f"location_{code}": ""}).update(location=F(f"location_{code}"))


class Migration(migrations.Migration):
    dependencies = [
        ("meters", "0007_submissionkey_from_api"),
        ("utility", "0005_texts_per_language_readings_channels"),
    ]

    operations = [
        migrations.AddField(
            model_name="meter",
            name="location_lv",
            field=models.CharField(blank=True, max_length=100, verbose_name="location (Latvian)"),
        ),
        migrations.AddField(
            model_name="meter",
            name="location_ru",
            field=models.CharField(blank=True, max_length=100, verbose_name="location (Russian)"),
        ),
        migrations.AddField(
            model_name="meter",
            name="location_en",
            field=models.CharField(blank=True, max_length=100, verbose_name="location (English)"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.RemoveField(
            model_name="meter",
            name="location",
        ),
    ]
