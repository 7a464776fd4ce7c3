import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from kabinet.customers.models import MailPreference
from kabinet.notifications.models import MailKind, OutboxMessage
from kabinet.portal.reception import form_token
from kabinet.reception.models import Message, MessageStatus, Reply
from kabinet.reception.services import reception_close, reception_reply
from kabinet.utility.exceptions import ApplicationError

START = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def anonymous_form(**overrides):
    data = {
        "kind": "director",
        "name": "Ivan Petrov",
        "email": "ivan@example.com",
        "phone": "",
        "subject": "Water quality",
        "text": "The water is brown in the mornings.",
        "website": "",
    }
    data.update(overrides)
    return data


def test_the_contacts_page_shows_the_utilitys_contacts_without_login(client, ru_personas):
    page = client.get(reverse("portal:contacts")).content.decode()
    for text in ("8-471-270-06-14", "8-471-270-23-16", "8-471-222-76-33", "abonent@vodokanal.example"):
        assert text in page
    assert 'name="website"' in page and 'name="token"' in page  # the anti-spam trap and time stamp


def test_a_visitor_sends_a_question_to_the_director_without_login(client, personas):
    with time_machine.travel(START, tick=False):
        token = form_token()
    with time_machine.travel(START + dt.timedelta(seconds=40), tick=False):
        response = client.post(reverse("portal:contacts"), anonymous_form(token=token), follow=True)
    assert "has been sent" in response.content.decode()
    message = Message.objects.get()
    assert message.kind == "director" and message.user is None and message.email == "ivan@example.com"


@pytest.mark.parametrize(
    "seconds,overrides,error",
    [
        (1, {}, "too fast"),
        (40, {"website": "http://spam.example"}, "could not be sent"),
        (2 * 24 * 3600, {}, "expired"),
        (40, {"token": "forged"}, "expired"),
        (40, {"text": "   "}, "This field is required"),
        (40, {"text": "x" * 5001}, "at most 5000 characters"),
        (40, {"email": "not-an-email"}, "valid email"),
    ],
)
def test_it_refuses_bots_and_bad_input_and_saves_nothing(client, personas, seconds, overrides, error):
    with time_machine.travel(START, tick=False):
        token = form_token()
    with time_machine.travel(START + dt.timedelta(seconds=seconds), tick=False):
        response = client.post(reverse("portal:contacts"), anonymous_form(**{"token": token, **overrides}))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Message.objects.count() == 0


def test_a_customer_writes_sees_the_thread_and_gets_the_reply_by_email(client, personas):
    client.force_login(personas.alice)
    page = client.get(reverse("portal:contacts")).content.decode()
    assert 'name="website"' not in page  # a login needs no anti-spam
    response = client.post(
        reverse("portal:contacts"),
        {"kind": "complaint", "subject": "<b>Bill</b>", "text": "<script>alert(1)</script> wrong amount"},
    )
    message = Message.objects.get()
    assert response["Location"] == reverse("portal:reception-detail", args=[message.pk])
    assert message.user == personas.alice and message.email == "alice@example.com"
    assert message.customer_id == personas.alice_customer.pk

    reception_reply(message=message, author=personas.carol, text="We checked: the amount is correct.")
    message.refresh_from_db()
    assert message.status == MessageStatus.ANSWERED
    mail = OutboxMessage.objects.get(kind=MailKind.RECEPTION)
    assert mail.to == "alice@example.com" and "the amount is correct" in mail.body_text
    assert "/unsubscribe/" in mail.body_text

    page = client.get(reverse("portal:reception-detail", args=[message.pk])).content.decode()
    assert "the amount is correct" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    client.post(reverse("portal:reception-reply", args=[message.pk]), {"text": "Thank you, but why so high?"})
    message.refresh_from_db()
    assert message.status == MessageStatus.NEW and message.replies.count() == 2
    listing = client.get(reverse("portal:reception-messages")).content.decode()
    assert "&lt;b&gt;Bill&lt;/b&gt;" in listing


def test_a_visitor_without_login_gets_the_reply_by_email(personas):
    message = Message.objects.create(kind="question", name="Ivan", email="ivan@example.com", subject="Q", text="?")
    reception_reply(message=message, author=personas.carol, text="Answer")
    mail = OutboxMessage.objects.get()
    assert mail.to == "ivan@example.com" and "Answer" in mail.body_text and "/unsubscribe/" not in mail.body_text


def test_it_respects_the_customers_choice_not_to_get_replies(personas):
    MailPreference.objects.create(user=personas.alice, kind=MailKind.RECEPTION, enabled=False)
    message = Message.objects.create(
        kind="question", name="Alise", email="alice@example.com", subject="Q", text="?", user=personas.alice
    )
    reception_reply(message=message, author=personas.carol, text="Answer")
    assert OutboxMessage.objects.count() == 0 and message.replies.count() == 1


def test_bob_cannot_see_or_reply_to_alices_messages(client, personas):
    message = Message.objects.create(
        kind="question", name="Alise", email="alice@example.com", subject="Secret", text="?", user=personas.alice
    )
    client.force_login(personas.bob)
    assert client.get(reverse("portal:reception-detail", args=[message.pk])).status_code == 404
    assert client.post(reverse("portal:reception-reply", args=[message.pk]), {"text": "x"}).status_code == 404
    assert "Secret" not in client.get(reverse("portal:reception-messages")).content.decode()
    with pytest.raises(ApplicationError):
        reception_reply(message=message, author=personas.bob, text="x")
    assert Reply.objects.count() == 0


def test_anonymous_visitors_are_sent_to_login_for_the_thread(client, personas):
    message = Message.objects.create(kind="question", name="A", email="a@example.com", subject="S", text="?")
    for url in (reverse("portal:reception-messages"), reverse("portal:reception-detail", args=[message.pk])):
        assert client.get(url)["Location"].startswith(reverse("portal:login"))


def test_a_closed_conversation_takes_no_more_replies(client, personas):
    message = Message.objects.create(
        kind="question", name="Alise", email="alice@example.com", subject="Q", text="?", user=personas.alice
    )
    reception_close(message=message, actor=personas.carol)
    client.force_login(personas.alice)
    response = client.post(reverse("portal:reception-reply", args=[message.pk]), {"text": "x"}, follow=True)
    assert "This conversation is closed." in response.content.decode()
    assert Reply.objects.count() == 0


def test_a_double_click_sends_one_message(client, personas):
    client.force_login(personas.alice)
    data = {"kind": "question", "subject": "Q", "text": "Why?", "submit_key": "k-1"}
    client.post(reverse("portal:contacts"), data)
    client.post(reverse("portal:contacts"), data)
    assert Message.objects.count() == 1


def test_a_login_without_e_mail_is_asked_for_the_answer_address(client, ru_personas):
    from kabinet.customers.models import User

    user = User.objects.create_user(username="300001", password="x", customer=ru_personas.alice_customer)
    client.force_login(user)
    page = client.get(reverse("portal:contacts")).content.decode()
    assert 'name="email"' in page and 'name="name"' in page and 'name="website"' not in page
    data = {"kind": "question", "name": "Алиса", "email": "alisa@example.com", "subject": "Q", "text": "?"}
    client.post(reverse("portal:contacts"), data)
    message = Message.objects.get()
    assert message.email == "alisa@example.com" and message.user == user
