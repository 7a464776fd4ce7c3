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
