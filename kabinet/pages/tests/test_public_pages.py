"""/info/: the utility's pages for anyone, in the visitor's language, published ones only."""

import datetime as dt

import time_machine
from django.urls import reverse

from kabinet.pages.models import PageKind
from kabinet.pages.tests.conftest import make_page


def test_it_shows_a_page_in_each_language(client, personas):
    make_page(
        title_lv="Par mums",
        title_ru="О нас",
        title_en="About us",
        body_lv="Latviski.",
        body_ru="По-русски.",
        body_en="In English.",
    )
    for language, title, body in [
        ("lv", "Par mums", "Latviski."),
        ("ru", "О нас", "По-русски."),
        ("en", "About us", "In English."),
    ]:
        client.cookies["django_language"] = language
        page = client.get(reverse("pages:page", args=["about"])).content.decode()
        assert f"<h1>{title}</h1>" in page
        assert f"<p>{body}</p>" in page


def test_it_falls_back_to_the_utilitys_first_language(client, personas):
    # alice's utility speaks lv first; the page has no Russian text.
    make_page(title_lv="Par mums", title_en="About us", body_lv="Latviski.", body_en="In English.")
    client.cookies["django_language"] = "ru"
    page = client.get(reverse("pages:page", args=["about"])).content.decode()
    assert "<h1>Par mums</h1>" in page and "Latviski." in page


def test_a_russian_utility_falls_back_to_russian(client, ru_personas):
    make_page(title_ru="О предприятии", body_ru="Водоканал.")
    client.cookies["django_language"] = "en"
    page = client.get(reverse("pages:page", args=["about"])).content.decode()
    assert "<h1>О предприятии</h1>" in page


def test_the_index_lists_published_pages_in_order_without_login(client, personas):
    make_page("faq", PageKind.FAQ, title_en="Questions")
    make_page("hidden", PageKind.OTHER, title_en="Draft", published=False)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("pages:index")).content.decode()
    assert reverse("pages:page", args=["faq"]) in page
    assert "Draft" not in page


def test_unpublished_and_future_pages_are_404(client, personas):
    make_page("draft", title_en="Draft", published=False)
    make_page("soon", title_en="Soon", publish_from=dt.date(2026, 12, 20))
    with time_machine.travel(dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)):
        assert client.get(reverse("pages:page", args=["draft"])).status_code == 404
        assert client.get(reverse("pages:page", args=["soon"])).status_code == 404
        assert client.get(reverse("pages:page", args=["nothing"])).status_code == 404
    with time_machine.travel(dt.datetime(2026, 12, 21, 12, tzinfo=dt.UTC)):
        assert client.get(reverse("pages:page", args=["soon"])).status_code == 200


def test_staff_html_is_shown_as_text(client, personas):
    make_page(title_en="About", body_en="<script>alert(1)</script>\n\n- see https://udens.example/a?b=1&c=2")
    client.cookies["django_language"] = "en"
    page = client.get(reverse("pages:page", args=["about"])).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<li>see <a href="https://udens.example/a?b=1&amp;c=2" rel="nofollow noopener">' in page


def test_the_footer_links_the_pages(client, personas):
    page = client.get(reverse("portal:login")).content.decode()
    assert f'href="{reverse("pages:index")}"' in page


def test_the_pages_take_bounded_queries(client, personas, django_assert_max_num_queries):
    for number in range(15):
        make_page(f"page-{number}", title_en=f"Page {number}")
    client.get(reverse("pages:index"))  # the profile's cache
    with django_assert_max_num_queries(6):
        assert client.get(reverse("pages:index")).status_code == 200
