"""A body larger than its door accepts is refused from its Content-Length, before it is
read (a 300 MB upload used to be written to a temporary file first)."""

from django.urls import reverse

MB = 1024 * 1024


def post_declared(client, path, length, **extra):
    """A POST that only says how long it is: the refusal must come before the body is read."""
    return client.generic(
        "POST", path, b"x", content_type="application/octet-stream", CONTENT_LENGTH=str(length), **extra
    )


def test_it_refuses_a_huge_upload_by_its_declared_length(client, personas):
    client.force_login(personas.alice)
    client.cookies["django_language"] = "en"
    response = post_declared(client, reverse("portal:readings"), 300 * MB)
    assert response.status_code == 413 and "at most 1 MB" in response.content.decode()
    response = post_declared(client, reverse("portal:request-new"), 300 * MB)
    assert response.status_code == 413 and "at most 51 MB" in response.content.decode()


def test_each_door_has_its_own_limit(client, personas):
    client.force_login(personas.carol)
    statement = reverse("admin:payments_statement_upload")
    assert post_declared(client, statement, 150 * MB).status_code != 413  # a big bank file is fine
    assert post_declared(client, statement, 300 * MB).status_code == 413
    assert post_declared(client, reverse("admin:customers_customer_changelist"), 6 * MB).status_code == 413


def test_the_api_answers_in_its_error_shape(client, personas):
    response = post_declared(client, f"/api/v1/readings/meters/{personas.alice_cold.pk}/readings", 1 * MB)
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_a_body_without_a_length_is_refused(client, personas):
    response = client.generic("POST", reverse("portal:login"), b"", CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411


def test_ordinary_forms_pass(client, personas):
    response = client.post(reverse("portal:login"), {"identifier": "alice@example.com", "password": "x" * 1000})
    assert response.status_code == 200
