from django.conf import settings


def test_the_scheduling_task_is_registered_under_the_name_the_receiver_sends():
    from kabinet.autopay.receivers import SCHEDULE_RUN_TASK
    from kabinet.celery import app

    app.loader.import_default_modules()
    assert SCHEDULE_RUN_TASK in app.tasks
    assert settings.CELERY_BEAT_SCHEDULE["autopay-charge-due"]["task"] in app.tasks


def test_the_command_plans_and_charges(db, capsys):
    from django.core.management import call_command

    call_command("autopay_charge")
    assert capsys.readouterr().out.strip() == "planned 0, charged 0"
