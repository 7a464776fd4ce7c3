from django.db import migrations

# The reference utilities' categories; staff edit, add or switch them off in the back office.
CATEGORIES = [
    # code, lv, ru, en, deadline hours, emergency, meter work
    ("leak", "Noplūde, avārija", "Протечка, авария", "Leak, burst pipe", 4, True, ""),
    ("no_water", "Nav ūdens", "Нет воды", "No water", 8, True, ""),
    ("low_pressure", "Zems spiediens", "Слабый напор", "Low pressure", 72, False, ""),
    ("meter_replacement", "Skaitītāja nomaiņa", "Замена счётчика", "Meter replacement", 240, False, "replacement"),
    ("meter_sealing", "Skaitītāja plombēšana", "Опломбировка счётчика", "Meter sealing", 120, False, "sealing"),
    ("meter_verification", "Skaitītāja verificēšana", "Поверка счётчика", "Meter verification", 240, False,
     "verification"),
    ("other", "Cits", "Другое", "Other", 120, False, ""),
]


def create(apps, schema_editor):
    Category = apps.get_model("servicedesk", "Category")
    for order, (code, lv, ru, en, hours, emergency, work) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name_lv": lv,
                "name_ru": ru,
                "name_en": en,
                "deadline_hours": hours,
                "is_emergency": emergency,
                "meter_work": work,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
