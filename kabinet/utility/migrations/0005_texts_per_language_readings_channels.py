# Opening hours kept per language: the text written so far becomes the text of the
# utility's first language. Where customers send readings by e-mail and SMS.

from django.conf import settings
from django.db import migrations, models

LANGUAGES = ("lv", "ru", "en")


def first_language(profile) -> str:
    codes = [code.strip() for code in (profile.languages or "").split(",") if code.strip() in LANGUAGES]
    return codes[0] if codes else settings.LANGUAGE_CODE[:2]


def forwards(apps, schema_editor):
    UtilityProfile = apps.get_model("utility", "UtilityProfile")
    for profile in UtilityProfile.objects.exclude(opening_hours=""):
        setattr(profile, f"opening_hours_{first_language(profile)}", profile.opening_hours)
        profile.save(update_fields=[f"opening_hours_{code}" for code in LANGUAGES])


def backwards(apps, schema_editor):
    UtilityProfile = apps.get_model("utility", "UtilityProfile")
    for profile in UtilityProfile.objects.all():
        first = first_language(profile)
        texts = [getattr(profile, f"opening_hours_{code}") for code in (first, *LANGUAGES)]
        profile.opening_hours = next((text for text in texts if text), "")
        profile.save(update_fields=["opening_hours"])


class Migration(migrations.Migration):
    dependencies = [
        ("utility", "0004_penalty_policy_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="utilityprofile",
            name="opening_hours_lv",
            field=models.TextField(blank=True, verbose_name="opening hours (Latvian)"),
        ),
        migrations.AddField(
            model_name="utilityprofile",
            name="opening_hours_ru",
            field=models.TextField(blank=True, verbose_name="opening hours (Russian)"),
        ),
        migrations.AddField(
            model_name="utilityprofile",
            name="opening_hours_en",
            field=models.TextField(blank=True, verbose_name="opening hours (English)"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.RemoveField(
            model_name="utilityprofile",
            name="opening_hours",
        ),
        migrations.AddField(
            model_name="utilityprofile",
            name="readings_email",
            field=models.EmailField(
                blank=True,
                help_text="The mailbox that readings_fetch_mail reads. Leave empty when readings by e-mail are off.",
                max_length=254,
                verbose_name="e-mail address for readings",
            ),
        ),
        migrations.AddField(
            model_name="utilityprofile",
            name="readings_sms_number",
            field=models.CharField(
                blank=True,
                help_text="The number of the SMS gateway. Leave empty when readings by SMS are off.",
                max_length=40,
                verbose_name="phone number for readings by SMS",
            ),
        ),
    ]
