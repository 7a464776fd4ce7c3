import datetime as dt

import pytest
from django.contrib.auth.models import Group

from kabinet.customers.models import User
from kabinet.pages.models import Page, PageKind
from kabinet.pages.services import page_save
from kabinet.test import PASSWORD


def make_page(slug="about", kind=PageKind.ABOUT, *, actor=None, published=True, publish_from=None, **texts) -> Page:
    texts = texts or {"title_lv": "Par mums", "title_ru": "О нас", "title_en": "About us", "body_lv": "Mēs."}
    page = Page(
        slug=slug,
        kind=kind,
        published=published,
        publish_from=publish_from or dt.date(2026, 1, 1),
        **texts,
    )
    return page_save(page=page, actor=actor)


@pytest.fixture
def role_login(personas):
    """A staff login holding one role as the migrations made it."""

    def login(role: str) -> User:
        slug = role.lower().replace(" ", "_")
        user = User.objects.create_user(
            username=slug, email=f"{slug}@utility.example", password=PASSWORD, is_staff=True
        )
        user.groups.set([Group.objects.get(name=role)])
        return user

    return login
