import pytest
from django.urls import reverse

from kabinet.news.models import Outage, OutageStreet
from kabinet.notifications.models import OutboxMessage
from kabinet.reception.models import Message, MessageStatus
from kabinet.servicedesk.models import Category, RequestStatus, ServiceRequest
from kabinet.servicedesk.services import request_file

pytestmark = pytest.mark.usefixtures("private_media")


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def hidden_inputs(client, url) -> dict:
    """The change form's hidden fields (inline management forms and row ids), as a browser sends them."""
    import re

    page = client.get(url).content.decode()
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrfmiddlewaretoken":
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def leak(personas):
    return request_file(
        user=personas.alice,
        account=personas.alice_account,
        category=Category.objects.get(code="leak"),
        description="Leak",
        phone="20000000",
    )


def test_the_queue_filters_by_status_category_street_and_overdue(client, personas, django_assert_max_num_queries):
    for _ in range(5):
        leak(personas)
    client.force_login(personas.carol)
    url = reverse("admin:servicedesk_servicerequest_changelist")
    for query in ("", "?status=new", "?overdue=yes", "?overdue=no", "?street=Rīgas iela", "?category__id__exact=1"):
        assert client.get(url + query).status_code == 200
    with django_assert_max_num_queries(20):
        page = client.get(url).content.decode()
    assert "Rīgas iela 5-12" in page


def test_staff_move_a_request_through_the_work_form(client, personas):
    req = leak(personas)
    client.force_login(personas.carol)
    url = reverse("admin:servicedesk_servicerequest_change", args=[req.pk])
    assert client.get(url).status_code == 200
    client.post(
        url,
        {
            **hidden_inputs(client, url),
            "new_status": "accepted",
            "technician": personas.carol.pk,
            "comment": "Crew 2",
            "comment_internal": "on",
        },
    )
    req.refresh_from_db()
    assert req.status == RequestStatus.ACCEPTED and req.assigned_to == personas.carol
    assert req.comments.get().internal
    # A status the pipeline does not allow is refused with a message, nothing changes.
    response = client.post(url, {**hidden_inputs(client, url), "new_status": "done"}, follow=True)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()  # only allowed next statuses are offered
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.ACCEPTED


def test_the_accept_action_calls_the_service(client, personas):
    req = leak(personas)
    client.force_login(personas.carol)
    client.post(
        reverse("admin:servicedesk_servicerequest_changelist"),
        {"action": "accept", "_selected_action": [req.pk]},
    )
    req.refresh_from_db()
    assert req.status == RequestStatus.ACCEPTED
    assert OutboxMessage.objects.count() == 2  # filed + accepted


def test_read_only_staff_cannot_change_requests(client, personas):
    req = leak(personas)
    client.force_login(personas.dave)
    url = reverse("admin:servicedesk_servicerequest_change", args=[req.pk])
    assert client.get(url).status_code == 200
    client.post(url, {**hidden_inputs(client, url), "new_status": "accepted"})
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.NEW


def test_staff_reply_to_a_reception_message_from_the_inbox(client, personas):
    message = Message.objects.create(kind="question", name="Ivan", email="ivan@example.com", subject="Q", text="?")
    client.force_login(personas.carol)
    url = reverse("admin:reception_message_change", args=[message.pk])
    client.post(url, {**hidden_inputs(client, url), "reply": "Here is the answer", "assignee": personas.carol.pk})
    message.refresh_from_db()
    assert message.status == MessageStatus.ANSWERED and message.assigned_to == personas.carol
    assert OutboxMessage.objects.get().to == "ivan@example.com"


def test_staff_send_an_outage_from_the_back_office(client, personas):
    import datetime as dt

    from django.utils import timezone

    client.force_login(personas.carol)
    assert client.get(reverse("admin:news_outage_add")).status_code == 200
    outage = Outage.objects.create(
        service=personas.services["cold_water"],
        title="Works",
        starts_at=timezone.now() + dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=5),
    )
    OutageStreet.objects.create(outage=outage, street="Saules iela")
    client.post(reverse("admin:news_outage_changelist"), {"action": "notify", "_selected_action": [outage.pk]})
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == ["alice@example.com"]


def verification_in_progress(personas):
    from kabinet.servicedesk.services import request_set_status

    req = request_file(
        user=personas.alice,
        account=personas.alice_account,
        category=Category.objects.get(code="meter_verification"),
        meter=personas.alice_hot,
        description="Verification is due",
        phone="20000000",
    )
    for status in (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS):
        request_set_status(request=req, status=status, actor=personas.carol)
    return req


def test_staff_close_a_verification_with_the_new_seal(client, personas):
    from django.utils import timezone

    req = verification_in_progress(personas)
    client.force_login(personas.carol)
    url = reverse("admin:servicedesk_servicerequest_change", args=[req.pk])
    today = timezone.localdate()

    response = client.post(
        url,
        {
            **hidden_inputs(client, url),
            "new_status": "done",
            "verified_on": today.isoformat(),
            "seal_number": "S-2026-0457",
        },
        follow=True,
    )

    assert "was changed successfully" in response.content.decode()
    meter = personas.alice_hot
    meter.refresh_from_db()
    assert meter.seal_number == "S-2026-0457"
    assert meter.verified_on == today and meter.verification_due == today.replace(year=today.year + 4)
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.DONE
    # The customer sees the new seal on the meter and on the finished request.
    client.force_login(personas.alice)
    for page in (reverse("portal:meter-detail", args=[meter.pk]), reverse("portal:request-detail", args=[req.pk])):
        assert "S-2026-0457" in client.get(page).content.decode(), page


def test_a_verification_date_in_the_future_is_a_form_error_and_changes_nothing(client, personas):
    import datetime as dt

    from django.contrib.admin.models import LogEntry
    from django.utils import timezone

    req = verification_in_progress(personas)
    meter = personas.alice_hot
    before = (meter.verified_on, meter.verification_due, meter.seal_number)
    client.force_login(personas.carol)
    url = reverse("admin:servicedesk_servicerequest_change", args=[req.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = client.post(
        url,
        {**hidden_inputs(client, url), "new_status": "done", "verified_on": tomorrow.isoformat(), "seal_number": "S-1"},
        follow=True,
    )

    page = response.content.decode()
    assert response.status_code == 200 and response.redirect_chain == []  # the form again, with its error
    assert "The verification date cannot be in the future." in page
    assert "was changed successfully" not in page
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.IN_PROGRESS
    meter.refresh_from_db()
    assert (meter.verified_on, meter.verification_due, meter.seal_number) == before
    assert not LogEntry.objects.exists()


def test_a_refusal_after_the_form_was_checked_says_so_without_success(client, personas, monkeypatch):
    """Another change came between the form's check and the save: the service refuses, and
    the page says only that."""
    from django.contrib.admin.models import LogEntry

    from kabinet.servicedesk import admin as servicedesk_admin
    from kabinet.utility.exceptions import ApplicationError

    req = verification_in_progress(personas)
    client.force_login(personas.carol)
    url = reverse("admin:servicedesk_servicerequest_change", args=[req.pk])
    fields = hidden_inputs(client, url)

    def refuse(**kwargs):
        raise ApplicationError("status_not_allowed", "Someone else closed it first.")

    monkeypatch.setattr(servicedesk_admin, "request_set_status", refuse)
    response = client.post(url, {**fields, "new_status": "done", "comment": "Done"}, follow=True)

    page = response.content.decode()
    assert "Someone else closed it first." in page and "was changed successfully" not in page
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.IN_PROGRESS
    assert not req.comments.exists() and not LogEntry.objects.exists()


def test_a_future_verification_date_on_the_meter_form_is_refused(client, personas):
    import datetime as dt

    from django.utils import timezone

    meter = personas.alice_cold
    client.force_login(personas.carol)
    url = reverse("admin:meters_meter_change", args=[meter.pk])
    form = client.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else str(form[name].value()) for name in form.fields}
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = client.post(url, {**data, **hidden_inputs(client, url), "verified_on": tomorrow.isoformat()})

    assert response.status_code == 200  # the form again
    assert "The verification date cannot be in the future." in response.content.decode()
    meter.refresh_from_db()
    assert meter.verified_on == dt.date(2022, 3, 1)
    # The same form with a past date saves.
    response = client.post(url, {**data, **hidden_inputs(client, url), "verified_on": "2024-05-06"})
    assert response.status_code == 302
    meter.refresh_from_db()
    assert meter.verified_on == dt.date(2024, 5, 6)
