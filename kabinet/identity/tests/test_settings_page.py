"""The buttons on the login page, the linked identities on "Login and access", unlinking."""

from django.utils import timezone

from kabinet.identity.models import ExternalIdentity
from kabinet.privacy.erasure import login_erase
from kabinet.utility.models import Event


def linked(user, providers, key="citadele", sub="lv-citadele-0f3a9c") -> ExternalIdentity:
    return ExternalIdentity.objects.create(
        user=user, provider=key, issuer=providers[key], subject=sub, linked_at=timezone.now()
    )


def test_each_provider_has_its_own_button(en_client, db, providers):
    page = en_client.get("/login/").content.decode()
    assert 'action="/identity/citadele/start/"' in page and "Sign in with Citadele" in page
    assert 'action="/identity/google/start/"' in page and "Sign in with Google" in page


def test_without_providers_there_are_no_buttons_and_no_pages(en_client, personas, settings):
    settings.OIDC_PROVIDERS = {}
    assert "Sign in with" not in en_client.get("/login/").content.decode()
    assert en_client.post("/identity/citadele/start/").status_code == 404
    assert en_client.get("/identity/link/").status_code == 404
    en_client.force_login(personas.alice)
    assert "Sign-in with a bank or ID provider" not in en_client.get("/access/").content.decode()


def test_the_access_page_lists_the_logins_identities_only(
    en_client, personas, providers, django_assert_max_num_queries
):
    linked(personas.alice, providers)
    linked(personas.bob, providers, key="google", sub="bob-google")
    en_client.force_login(personas.alice)
    en_client.get("/access/")
    with django_assert_max_num_queries(20):
        page = en_client.get("/access/").content.decode()
    assert "<strong>Citadele</strong>" in page
    assert "<strong>Google</strong>" not in page  # Bob's


def test_it_unlinks_with_a_post(en_client, personas, providers):
    identity = linked(personas.alice, providers)
    en_client.force_login(personas.alice)
    assert en_client.get(f"/identity/linked/{identity.pk}/unlink/").status_code == 405
    response = en_client.post(f"/identity/linked/{identity.pk}/unlink/")
    assert response.status_code == 302 and response["Location"] == "/access/"
    assert not ExternalIdentity.objects.exists()
    assert Event.objects.filter(kind="identity.unlinked", actor=personas.alice).count() == 1
    # A second click: the identity is gone, nothing else happens.
    assert en_client.post(f"/identity/linked/{identity.pk}/unlink/").status_code == 404


def test_another_logins_identity_cannot_be_unlinked(en_client, personas, providers):
    identity = linked(personas.alice, providers)
    en_client.force_login(personas.bob)
    assert en_client.post(f"/identity/linked/{identity.pk}/unlink/").status_code == 404
    assert ExternalIdentity.objects.filter(pk=identity.pk, user=personas.alice).exists()


def test_anonymous_cannot_unlink(en_client, personas, providers):
    identity = linked(personas.alice, providers)
    response = en_client.post(f"/identity/linked/{identity.pk}/unlink/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert ExternalIdentity.objects.filter(pk=identity.pk).exists()


def test_the_last_way_in_is_not_unlinked(en_client, personas, providers):
    identity = linked(personas.alice, providers)
    personas.alice.set_unusable_password()
    personas.alice.save()
    en_client.force_login(personas.alice)
    response = en_client.post(f"/identity/linked/{identity.pk}/unlink/", follow=True)
    assert "This is your only way to log in" in response.content.decode()
    assert ExternalIdentity.objects.filter(pk=identity.pk).exists()


def test_erasure_deletes_the_links(personas, providers):
    linked(personas.alice, providers)
    linked(personas.bob, providers, key="google", sub="bob-google")
    report = login_erase(user=personas.alice)
    assert report["identity.ExternalIdentity"] == 1
    assert list(ExternalIdentity.objects.values_list("subject", flat=True)) == ["bob-google"]


def test_the_data_export_lists_the_linked_identities(personas, providers):
    from kabinet.privacy.export import export_collect

    linked(personas.alice, providers)
    linked(personas.bob, providers, key="google", sub="bob-google")
    login = export_collect(personas.alice).sections["login"][0]
    assert [(i["provider"], i["issuer"], i["subject"]) for i in login["external_identities"]] == [
        ("citadele", providers["citadele"], "lv-citadele-0f3a9c")
    ]
