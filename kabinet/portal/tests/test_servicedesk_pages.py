import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kabinet.notifications.models import OutboxMessage
from kabinet.servicedesk.models import Category, Comment, Photo, RequestStatus, ServiceRequest
from kabinet.servicedesk.services import request_file, request_set_status
from kabinet.test import png_bytes

pytestmark = pytest.mark.usefixtures("private_media")


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def leak(personas, **kwargs):
    return request_file(
        user=personas.alice,
        account=personas.alice_account,
        category=Category.objects.get(code="leak"),
        description="Leak under the sink",
        phone="20000000",
        photos=[SimpleUploadedFile("sink.png", png_bytes())],
        **kwargs,
    )


def form_data(personas, **overrides):
    data = {
        "account": personas.alice_account.pk,
        "category": Category.objects.get(code="low_pressure").pk,
        "meter": "",
        "description": "Very low pressure since Monday",
        "phone": "+371 20000000",
        "preferred_time": "after 17:00",
    }
    data.update(overrides)
    return data


def test_it_sends_anonymous_visitors_to_login(client, personas):
    req = leak(personas)
    photo = req.photos.get()
    for url in [
        reverse("portal:requests"),
        reverse("portal:request-new"),
        reverse("portal:request-detail", args=[req.pk]),
        reverse("portal:request-photo", args=[req.pk, photo.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    response = client.post(reverse("portal:request-comment", args=[req.pk]), {"text": "x"})
    assert response.status_code == 302 and Comment.objects.count() == 0


def test_it_files_a_request_with_photos_and_lists_it(client, personas):
    client.force_login(personas.alice)
    page = client.get(reverse("portal:request-new")).content.decode()
    assert "Call a specialist" in page and "+371 654 00000" in page  # the emergency line at once
    photos = [SimpleUploadedFile(f"p{i}.png", png_bytes(), content_type="image/png") for i in range(2)]
    response = client.post(reverse("portal:request-new"), {**form_data(personas), "photos": photos})
    req = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:request-detail", args=[req.pk])
    assert req.photos.count() == 2 and req.preferred_time == "after 17:00"
    detail = client.get(response["Location"]).content.decode()
    assert "Very low pressure since Monday" in detail and "New" in detail
    assert reverse("portal:request-photo", args=[req.pk, req.photos.first().pk]) in detail
    listing = client.get(reverse("portal:requests")).content.decode()
    assert f"№ {req.number}" in listing and "Low pressure" in listing
    assert OutboxMessage.objects.filter(to="alice@example.com").count() == 1


def test_it_refuses_a_fake_image_with_a_message_and_saves_nothing(client, personas):
    client.force_login(personas.alice)
    fake = SimpleUploadedFile("photo.jpg", b"<?php system($_GET['c']); ?>", content_type="image/jpeg")
    response = client.post(reverse("portal:request-new"), {**form_data(personas), "photos": [fake]})
    assert response.status_code == 200
    assert "is not a JPEG, PNG or HEIC photo" in response.content.decode()
    assert ServiceRequest.objects.count() == 0 and Photo.objects.count() == 0


def test_it_refuses_another_customers_premises_in_the_form(client, personas):
    client.force_login(personas.alice)
    response = client.post(reverse("portal:request-new"), form_data(personas, account=personas.bob_account.pk))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert ServiceRequest.objects.count() == 0


def test_it_shows_html_in_every_field_as_text(client, personas):
    client.force_login(personas.alice)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(
        reverse("portal:request-new"),
        form_data(personas, description=evil, preferred_time=evil[:100]),
    )
    req = ServiceRequest.objects.get()
    client.post(reverse("portal:request-comment", args=[req.pk]), {"text": evil})
    page = client.get(reverse("portal:request-detail", args=[req.pk])).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    listing = client.get(reverse("portal:requests")).content.decode()
    assert "<script>alert" not in listing


def test_bob_cannot_see_or_change_alices_request_or_photos(client, personas):
    req = leak(personas)
    photo = req.photos.get()
    client.force_login(personas.bob)
    assert client.get(reverse("portal:request-detail", args=[req.pk])).status_code == 404
    assert client.get(reverse("portal:request-photo", args=[req.pk, photo.pk])).status_code == 404
    assert client.post(reverse("portal:request-comment", args=[req.pk]), {"text": "hi"}).status_code == 404
    assert client.post(reverse("portal:request-rate", args=[req.pk]), {"rating": "1"}).status_code == 404
    assert client.post(reverse("portal:request-reopen", args=[req.pk]), {"reason": "x"}).status_code == 404
    assert "Leak under the sink" not in client.get(reverse("portal:requests")).content.decode()
    # Bob's own request does not open alice's photo either.
    bobs = request_file(
        user=personas.bob,
        account=personas.bob_account,
        category=Category.objects.get(code="other"),
        description="Mine",
        phone="20000000",
    )
    assert client.get(reverse("portal:request-photo", args=[bobs.pk, photo.pk])).status_code == 404
    assert Comment.objects.count() == 0
    assert ServiceRequest.objects.get(pk=req.pk).rating is None


def test_it_serves_photos_to_the_owner_and_staff_only(client, personas):
    req = leak(personas)
    photo = req.photos.get()
    url = reverse("portal:request-photo", args=[req.pk, photo.pk])
    client.force_login(personas.alice)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()
    client.force_login(personas.dave)  # read-only staff with view permissions
    assert client.get(url).status_code == 200
    client.force_login(personas.carol)
    assert client.get(url).status_code == 200


def test_a_customer_rates_and_reopens_done_work(client, personas):
    req = leak(personas)
    for status in (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS, RequestStatus.DONE):
        request_set_status(request=req, status=status, actor=personas.carol)
    client.force_login(personas.alice)
    page = client.get(reverse("portal:request-detail", args=[req.pk])).content.decode()
    assert "Rate the work" in page and "Reopen the request" in page
    client.post(reverse("portal:request-rate", args=[req.pk]), {"rating": "9"})
    assert ServiceRequest.objects.get(pk=req.pk).rating is None
    client.post(reverse("portal:request-rate", args=[req.pk]), {"rating": "4", "comment": "ok"})
    assert ServiceRequest.objects.get(pk=req.pk).rating == 4
    response = client.post(reverse("portal:request-reopen", args=[req.pk]), {"reason": "Drips again"}, follow=True)
    assert "The request is open again." in response.content.decode()
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.REOPENED


def test_it_refuses_to_reopen_after_14_days(client, personas):
    req = leak(personas)
    for status in (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS, RequestStatus.DONE):
        request_set_status(request=req, status=status, actor=personas.carol)
    ServiceRequest.objects.filter(pk=req.pk).update(closed_at=timezone.now() - dt.timedelta(days=15))
    client.force_login(personas.alice)
    assert "Reopen the request" not in client.get(reverse("portal:request-detail", args=[req.pk])).content.decode()
    response = client.post(reverse("portal:request-reopen", args=[req.pk]), {"reason": "x"}, follow=True)
    assert "within 14 days" in response.content.decode()
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.DONE


def test_it_hides_internal_comments_from_the_customer(client, personas):
    from kabinet.servicedesk.services import request_comment_add

    req = leak(personas)
    request_comment_add(request=req, author=personas.carol, text="Internal note for the crew", internal=True)
    request_comment_add(request=req, author=personas.carol, text="We come at 10", internal=False)
    client.force_login(personas.alice)
    page = client.get(reverse("portal:request-detail", args=[req.pk])).content.decode()
    assert "We come at 10" in page and "Internal note for the crew" not in page


def test_it_preselects_a_meter_for_verification(client, personas):
    client.force_login(personas.alice)
    page = client.get(reverse("portal:request-new") + f"?meter={personas.alice_hot.pk}").content.decode()
    category = Category.objects.get(code="meter_verification")
    assert f'value="{category.pk}" data-meter="1" selected' in page
    assert f'<option value="{personas.alice_hot.pk}" selected>' in page
    # Bob's meter is never offered.
    assert "CW-2001" not in page


def test_its_list_query_count_is_bounded(client, personas, django_assert_max_num_queries):
    for _ in range(15):
        leak(personas)
    client.force_login(personas.alice)
    client.get(reverse("portal:requests"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("portal:requests")).status_code == 200


@pytest.mark.parametrize("language,word", [("ru", "Заявки"), ("lv", "Pieteikumi")])
def test_it_speaks_the_chosen_language(client, personas, language, word):
    client.cookies["django_language"] = language
    client.force_login(personas.alice)
    assert word in client.get(reverse("portal:requests")).content.decode()


def test_a_double_click_files_one_request(client, personas):
    client.force_login(personas.alice)
    page = client.get(reverse("portal:request-new")).content.decode()
    assert 'name="submit_key"' in page
    data = form_data(personas, submit_key="k-123")
    first = client.post(reverse("portal:request-new"), data)
    second = client.post(reverse("portal:request-new"), data)
    assert ServiceRequest.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert OutboxMessage.objects.count() == 1


def test_the_dashboard_offers_verification_for_a_meter_due(client, personas):
    personas.alice_hot.verified_on = dt.date(2019, 1, 1)
    personas.alice_hot.verification_due = dt.date(2023, 1, 1)
    personas.alice_hot.save()
    client.force_login(personas.alice)
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert f"{reverse('portal:request-new')}?meter={personas.alice_hot.pk}" in page
    assert f"?meter={personas.alice_cold.pk}" not in page  # due in 2028: nothing to ask yet
