import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from kabinet.customers.models import AccessRole, AccountAccess
from kabinet.meters.models import Reading, ReadingSource, ReadingStatus
from kabinet.notifications.models import OutboxMessage
from kabinet.test import make_login, sent_message

IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def history(meter, *values, start=dt.date(2026, 5, 1)):
    previous = Decimal(0)
    period = start
    for value in values:
        Reading.objects.create(
            meter=meter,
            period=period,
            value=Decimal(value),
            consumption=Decimal(value) - previous,
            source=ReadingSource.PORTAL,
            status=ReadingStatus.ACCEPTED,
        )
        previous = Decimal(value)
        period = (period + dt.timedelta(days=32)).replace(day=1)


@pytest.mark.parametrize(
    "name",
    [
        "portal:readings",
        "portal:readings-receipt",
        "portal:readings-history",
        "portal:readings-history-csv",
        "portal:api-tokens",
    ],
)
def test_it_sends_anonymous_visitors_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("portal:login"))


@time_machine.travel(IN_WINDOW, tick=False)
def test_it_shows_the_form_with_previous_readings_and_the_window(client, personas):
    history(personas.alice_cold, "100.5")
    client.force_login(personas.alice)
    page = client.get(reverse("portal:readings")).content.decode()
    assert "CW-1001" in page and "HW-1001" in page
    assert "CW-2001" not in page  # bob's
    assert "Previous reading: 100.5" in page
    assert "from the 27th to the 30th" in page


@time_machine.travel(dt.datetime(2026, 11, 5, 12, tzinfo=dt.UTC), tick=False)
def test_it_explains_when_the_window_opens_and_saves_an_early_reading(client, personas):
    client.force_login(personas.alice)
    page = client.get(reverse("portal:readings")).content.decode()
    assert "The window is closed now" in page and "27.11.2026" in page
    response = client.post(reverse("portal:readings"), {f"value_{personas.alice_cold.pk}": "5"}, follow=True)
    assert "Waiting for the window" in response.content.decode()
    assert Reading.objects.get(meter=personas.alice_cold).status == ReadingStatus.QUEUED


@time_machine.travel(IN_WINDOW, tick=False)
def test_it_submits_both_meters_and_shows_the_receipt(client, personas):
    client.force_login(personas.alice)
    response = client.post(
        reverse("portal:readings"),
        {f"value_{personas.alice_cold.pk}": "123,78", f"value_{personas.alice_hot.pk}": "45"},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).content.decode()
    assert "Reading receipt" in page
    assert "123,78 entered, 123.7 used" in page
    assert "11.2026" in page
    assert Reading.objects.filter(status="accepted").count() == 2
    mail = sent_message()  # one receipt for the whole form
    assert "CW-1001" in mail.body_text and "HW-1001" in mail.body_text
    assert "123,78 entered, 123.7 used" in mail.body_text


@time_machine.travel(IN_WINDOW, tick=False)
def test_it_shows_a_clear_error_and_keeps_the_value(client, personas):
    client.force_login(personas.alice)
    response = client.post(reverse("portal:readings"), {f"value_{personas.alice_cold.pk}": "12a"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a number" in page and 'value="12a"' in page
    # A typo in the form is the form's error: no "Rejected" row in the history, no e-mail.
    assert not Reading.objects.exists()
    assert not OutboxMessage.objects.exists()


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_form_with_one_good_and_one_refused_value_keeps_the_good_one_and_mails_only_it(client, personas):
    history(personas.alice_hot, "10", "20", "30")
    client.force_login(personas.alice)
    form = {f"value_{personas.alice_cold.pk}": "12", f"value_{personas.alice_hot.pk}": "5"}  # hot: lower than 30
    response = client.post(reverse("portal:readings"), form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "lower than the previous one" in page and 'value="5"' in page
    new = Reading.objects.filter(period=dt.date(2026, 11, 1))
    assert [(r.meter_id, r.status) for r in new] == [(personas.alice_cold.pk, ReadingStatus.ACCEPTED)]
    [receipt] = OutboxMessage.objects.filter(kind="reading_receipt")
    assert [item["id"] for item in receipt.context["readings"]] == [new.get().pk]


@time_machine.travel(IN_WINDOW, tick=False)
def test_the_form_shows_what_is_saved_for_the_period(client, personas):
    client.force_login(personas.alice)
    assert client.post(reverse("portal:readings"), {f"value_{personas.alice_cold.pk}": "12,5"}).status_code == 302
    page = client.get(reverse("portal:readings")).content.decode()
    # IN_WINDOW is 28.11.2026 12:00 UTC; the page shows Riga time.
    assert "Saved for 11.2026: 12.5 m³ (accepted, 28.11.2026 14:00). A new reading replaces it." in page


@time_machine.travel(IN_WINDOW, tick=False)
def test_it_asks_to_confirm_a_suspected_leak(client, personas):
    history(personas.alice_cold, "10", "20", "30")
    client.force_login(personas.alice)
    field = f"value_{personas.alice_cold.pk}"
    response = client.post(reverse("portal:readings"), {field: "300"})
    assert response.status_code == 400
    assert "possible leak" in response.content.decode()
    assert f'name="confirm_{personas.alice_cold.pk}"' in response.content.decode()
    response = client.post(reverse("portal:readings"), {field: "300", f"confirm_{personas.alice_cold.pk}": "1"})
    assert response.status_code == 302
    assert Reading.objects.get(status="accepted", period=dt.date(2026, 11, 1)).value == 300


@time_machine.travel(IN_WINDOW, tick=False)
def test_an_empty_form_changes_nothing(client, personas):
    client.force_login(personas.alice)
    response = client.post(reverse("portal:readings"), {})
    assert response.status_code == 400
    assert "Enter at least one reading" in response.content.decode()
    assert not Reading.objects.exists()


@time_machine.travel(IN_WINDOW, tick=False)
def test_another_customer_cannot_submit_or_see_alices_readings(client, personas):
    client.force_login(personas.alice)
    client.post(reverse("portal:readings"), {f"value_{personas.alice_cold.pk}": "12"})
    reading = Reading.objects.get()
    client.force_login(personas.bob)
    client.post(reverse("portal:readings"), {f"value_{personas.alice_cold.pk}": "99"})
    assert Reading.objects.count() == 1  # bob's form has no field for alice's meter
    assert client.get(reverse("portal:readings-receipt") + f"?r={reading.pk}").status_code == 404
    assert client.get(reverse("portal:meter-detail", args=[personas.alice_cold.pk])).status_code == 404
    assert client.get(reverse("portal:readings-history") + f"?meter={personas.alice_cold.pk}").status_code == 404
    assert "CW-1001" not in client.get(reverse("portal:readings-history-csv")).content.decode()


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_readings_only_login_may_submit(client, personas):
    helper = make_login(personas.alice_customer, "son@example.com", [])
    AccountAccess.objects.create(user=helper, account=personas.alice_account, role=AccessRole.READINGS)
    client.force_login(helper)
    response = client.post(reverse("portal:readings"), {f"value_{personas.alice_cold.pk}": "12"})
    assert response.status_code == 302
    assert Reading.objects.get().entered_by == helper


@time_machine.travel(IN_WINDOW, tick=False)
def test_the_history_has_a_chart_a_table_and_a_csv(client, personas, django_assert_max_num_queries):
    history(personas.alice_cold, "10", "21.5", "30", "42")
    client.force_login(personas.alice)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("portal:readings-history")).content.decode()
    assert "<svg" in page and page.count("<rect") == 4
    assert "11.5" in page  # the consumption of 06.2026
    csv = client.get(reverse("portal:readings-history-csv")).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Meter;Service;Period")
    assert "CW-1001;Cold water;2026-08;" in csv


def test_the_meter_page_shows_its_specification(client, personas):
    meter = personas.alice_hot
    meter.model = "Apator JS-1.6"
    meter.seal_number = "S-778"
    meter.save()
    client.force_login(personas.alice)
    page = client.get(reverse("portal:meter-detail", args=[meter.pk])).content.decode()
    for text in ("Apator JS-1.6", "S-778", "HW-1001", "01.03.2028", "kitchen", "01.03.2022"):
        assert text in page


@pytest.mark.parametrize(
    ("language", "words"),
    [("ru", ["Показания счётчиков", "Новое показание"]), ("lv", ["Skaitītāju rādījumi", "Jaunais rādījums"])],
)
@time_machine.travel(IN_WINDOW, tick=False)
def test_the_readings_page_speaks_the_chosen_language(client, personas, language, words):
    client.cookies["django_language"] = language
    client.force_login(personas.alice)
    page = client.get(reverse("portal:readings")).content.decode()
    for word in words:
        assert word in page


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_submission_of_two_meters_stays_within_its_query_budget(client, personas, django_assert_num_queries):
    # The last evening of the window is the portal's busiest hour: every query here is
    # paid by every customer. Session, login, the accounts with their meters (one query); then in one transaction
    # (a savepoint inside the test's) the utility profile and the tariffs (both kept by the process afterwards),
    # the meters locked (on PostgreSQL with the new readings' ids), their history, and the readings, their events
    # and the receipt's outbox row (its insert checks the mail preference): one statement on PostgreSQL, three on
    # SQLite. The receipt is rendered by the outbox sender, not here.
    pg = connection.vendor == "postgresql"
    client.force_login(personas.alice)
    form = {f"value_{personas.alice_cold.pk}": "12", f"value_{personas.alice_hot.pk}": "4"}
    with django_assert_num_queries(10 if pg else 12):
        response = client.post(reverse("portal:readings"), form)
    assert response.status_code == 302
    # A second submission replaces both readings: one UPDATE more; the profile and the tariffs are kept.
    form = {f"value_{personas.alice_cold.pk}": "13", f"value_{personas.alice_hot.pk}": "5"}
    with django_assert_num_queries(9 if pg else 11):
        assert client.post(reverse("portal:readings"), form).status_code == 302
    assert Reading.objects.filter(status=ReadingStatus.ACCEPTED).count() == 2


@time_machine.travel(IN_WINDOW, tick=False)
def test_the_form_goes_to_its_own_account_and_never_to_another_customers(client, personas):
    client.force_login(personas.alice)
    cold = {f"value_{personas.alice_cold.pk}": "12"}
    assert client.post(reverse("portal:readings"), {**cold, "account": personas.bob_account.pk}).status_code == 404
    client.post(reverse("portal:account-choose"), {"account": personas.alice_second_account.pk})
    # The chosen account's form has no field for the first account's meter…
    assert client.post(reverse("portal:readings"), cold).status_code == 400
    # …but a form rendered for the first account (another tab, the offline queue) still goes to it.
    assert client.post(reverse("portal:readings"), {**cold, "account": personas.alice_account.pk}).status_code == 302
    assert Reading.objects.get().meter_id == personas.alice_cold.pk


@time_machine.travel(IN_WINDOW, tick=False)
def test_the_csv_writes_formula_like_text_as_text(client, personas):
    import csv as csv_module

    history(personas.alice_cold, "10", "21.5")
    meter = personas.alice_cold
    meter.serial_number = '=HYPERLINK("http://e.x";"o")'  # within the field's 40 characters
    meter.save()
    client.force_login(personas.alice)
    text = client.get(reverse("portal:readings-history-csv")).content.decode("utf-8-sig")
    rows = list(csv_module.reader(text.splitlines(), delimiter=";"))
    serials = {row[0] for row in rows[1:]}
    assert serials == {"'" + meter.serial_number}
    assert {row[4] for row in rows[1:]} >= {"10.000", "21.500"}  # numbers stay numbers


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_starting_like_a_formula_is_made_text(text):
    from kabinet.lib.spreadsheet import cell_safe

    assert cell_safe(text) == "'" + text
    assert cell_safe("Rīga") == "Rīga" and cell_safe(Decimal("-1.5")) == Decimal("-1.5")


@time_machine.travel(dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC), tick=False)
def test_a_utility_that_refuses_late_readings_shows_the_next_window_and_no_form(client, ru_personas):
    from kabinet.utility.models import UtilityProfile

    profile = UtilityProfile.get()
    profile.after_window = "refuse"
    profile.save()
    client.force_login(ru_personas.alice)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("portal:readings")).content.decode()
    assert "readings are accepted from 23.12.2026 to 25.12.2026. Submit your readings then." in page
    assert 'name="client_key"' not in page
    response = client.post(reverse("portal:readings"), {f"value_{ru_personas.alice_cold.pk}": "15"})
    assert response.status_code == 400  # a form sent anyway: refused, nothing stored
    assert not Reading.objects.exists()


def test_a_readings_reason_reads_in_the_language_of_the_page_showing_it(client, personas):
    """Queued in Latvian on the 10th; the history read in English shows the English reason."""
    from django.utils import translation

    from kabinet.meters.submission import reading_submit

    with time_machine.travel(dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC), tick=False):
        with translation.override("lv"):
            queued = reading_submit(meter=personas.alice_cold, value="12", source=ReadingSource.EMAIL)
        with translation.override("ru"):
            refused = reading_submit(meter=personas.alice_hot, value="-3", source=ReadingSource.SMS)
        assert "Nodošanas" in queued.reason_text or "27.11.2026" in queued.reason_text
        client.force_login(personas.alice)
        page = client.get(reverse("portal:readings-history")).content.decode()
    assert "The window opens on" in page and "A reading cannot be negative." in page
    assert refused.reason_text not in page and queued.reason_text not in page
