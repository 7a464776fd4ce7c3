"""Every response carries a strict Content-Security-Policy and a Permissions-Policy."""

from django.urls import reverse

from kabinet.utility.csp import document_policy


def test_pages_and_the_api_carry_a_strict_policy(client, personas):
    for url in (reverse("portal:login"), "/api/v1/health", "/api/v1/docs", reverse("admin:login")):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, url
        assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy, url
        assert "camera=()" in response["Permissions-Policy"], url


def test_the_api_docs_load_swagger_from_the_site(client, db):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()


def test_a_printable_document_allows_exactly_its_own_styles():
    policy = document_policy(b"<html><style>body{color:red}</style></html>")
    # sha256 of "body{color:red}", base64 (printf 'body{color:red}' | openssl dgst -sha256 -binary | base64)
    assert "style-src 'self' 'sha256-FcQqt3aNlV7AZnGV4zkQRVeCeJOxbMPnQSx258L803E='" in policy
    assert "unsafe-inline" not in policy
