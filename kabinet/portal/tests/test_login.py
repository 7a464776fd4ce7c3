from django.urls import reverse

from kabinet.customers.models import User


def test_it_logs_in_with_email(client, personas, password):
    response = client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": password})
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("portal:dashboard")


def test_it_logs_in_with_account_number(client, personas, password):
    response = client.post(reverse("portal:login"), {"identifier": "100002", "password": password})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == personas.alice.pk


def test_it_logs_in_with_client_code(client, personas, password):
    response = client.post(reverse("portal:login"), {"identifier": " 20002 ", "password": password})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == personas.bob.pk


def test_it_refuses_a_wrong_password_with_a_clear_message(client, personas):
    response = client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": "nope"})
    assert response.status_code == 200
    # The lv preset speaks Latvian first.
    assert "Nepareizs lietotājvārds vai parole" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_clears_the_browsers_cache_but_not_its_storage_on_logout(client, personas):
    client.force_login(personas.alice)
    response = client.post(reverse("portal:logout"))
    assert response.headers["Clear-Site-Data"] == '"cache"'


def test_it_answers_unknown_logins_exactly_like_wrong_passwords(client, personas):
    wrong = client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": "nope"})
    unknown = client.post(reverse("portal:login"), {"identifier": "nobody@example.com", "password": "nope"})
    strip = lambda r: r.content.decode().replace("alice@example.com", "X").replace("nobody@example.com", "X")  # noqa: E731
    assert strip(wrong).split("csrfmiddlewaretoken")[0] == strip(unknown).split("csrfmiddlewaretoken")[0]


def test_it_refuses_an_inactive_login(client, personas, password):
    User.objects.filter(pk=personas.alice.pk).update(is_active=False)
    response = client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_deactivated_login_is_logged_out_of_its_open_sessions(client, personas):
    client.force_login(personas.alice)
    assert client.get(reverse("portal:dashboard")).status_code == 200
    User.objects.filter(pk=personas.alice.pk).update(is_active=False)
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]


def test_it_rotates_the_session_key_on_login(client, personas, password):
    client.get(reverse("portal:login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": password})
    assert client.session.session_key != before


def test_it_ends_the_session_with_the_browser_unless_remembered(client, personas, password):
    client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": password})
    assert client.session.get_expire_at_browser_close()
    client.post(reverse("portal:logout"))
    client.post(
        reverse("portal:login"),
        {"identifier": "alice@example.com", "password": password, "remember": "on"},
    )
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 14 * 24 * 3600


def test_it_logs_out_only_by_post(client, personas):
    client.force_login(personas.alice)
    assert client.get(reverse("portal:logout")).status_code == 405
    assert client.post(reverse("portal:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_it_does_not_redirect_to_another_site_after_login(client, personas, password):
    response = client.post(
        reverse("portal:login"),
        {"identifier": "alice@example.com", "password": password, "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == reverse("portal:dashboard")
