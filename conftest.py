import pytest

from kabinet.test import PASSWORD, Personas


@pytest.fixture
def personas(db) -> Personas:
    return Personas("lv")


@pytest.fixture
def ru_personas(db) -> Personas:
    return Personas("ru")


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture(autouse=True)
def _fresh_utility_profile_cache():
    from kabinet.utility.models import _profile_cache

    _profile_cache.clear()
    yield
    _profile_cache.clear()


@pytest.fixture
def en_client(client):
    """A test client that speaks English (the default language is the utility's)."""
    client.cookies["django_language"] = "en"
    return client


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-gpu",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (its own browser download is not used)."""
    import os
    import shutil

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by
    # the test itself (checking the database) are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = os.environ.get("CHROMIUM", CHROMIUM)
    if not shutil.which(executable):
        pytest.fail(f"browser tests need Chromium at {executable} (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh browser context per test; phone-sized (360 px) unless the test resizes it."""
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploaded private files (request photos, news images) go to a temporary folder."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT
