from django.urls import reverse


def test_it_opens_in_the_utilitys_first_language(client, ru_personas):
    response = client.get(reverse("portal:login"), headers={"accept-language": "en-US,en"})
    assert '<html lang="ru">' in response.content.decode()


def test_the_language_switch_wins(client, ru_personas):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    response = client.get(reverse("portal:login"))
    assert '<html lang="en">' in response.content.decode()
