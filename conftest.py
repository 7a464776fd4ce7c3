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
    from kabinet.billing.estimate import tariff_cache_clear
    from kabinet.utility.models import _profile_cache

    # Each test's tariffs and profile are its own (they are rolled back after it).
    _profile_cache.clear()
    tariff_cache_clear()
    yield
    _profile_cache.clear()
    tariff_cache_clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: attempt counters (login throttling) of one
    test must not slow down the logins of the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _no_language_left_behind():
    """A request through the test client leaves its language active in the thread; the
    next test starts from the settings' language, as a new request would."""
    from django.utils import translation

    yield
    translation.deactivate()


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
def page(request, browser, transactional_db):
    """A fresh browser context per test; phone-sized (360 px) unless the test resizes it.

    The service worker saves the customer's pages in the background, and a request of its
    still in flight while the test runner empties the tables locks them (SQLite): so it is
    blocked unless the test is marked `service_worker`, and such a page is left idle before
    its context closes, which happens before the database is emptied (the fixture asks for
    the database)."""
    worker = request.node.get_closest_marker("service_worker") is not None
    context = browser.new_context(
        viewport={"width": 360, "height": 780}, locale="en-US", service_workers="allow" if worker else "block"
    )
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    if worker:
        try:
            pg.goto("about:blank")
            pg.wait_for_timeout(500)  # the worker's last fetches finish
        except Exception:  # noqa: BLE001 - a test may have closed it already
            pass
    context.close()


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploaded private files (request photos, news images) go to a temporary folder."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def pytest_collection_modifyitems(items):
    """Transactional tests (live_server, browser tests) keep the rows data migrations made.

    Such a test ends by flushing every table, which also deletes what data migrations
    inserted (service-request categories, ...), so the next transactional test would not find
    them. With serialized_rollback the database's state after migrating is restored before
    each of these tests; all of them must use it, or the content types recreated after a plain
    flush clash with the restored ones.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", ())
        transactional = (marker is not None and marker.kwargs.get("transaction")) or (
            "transactional_db" in fixtures or "live_server" in fixtures
        )
        if transactional and not (marker and marker.kwargs.get("serialized_rollback")):
            kwargs = {**(marker.kwargs if marker else {}), "transaction": True, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*(marker.args if marker else ()), **kwargs), append=False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Make the state after migrating (serialized for serialized_rollback) visible to every
    connection object, not only to the one that created the test database.

    Once Playwright's sync API runs its event loop in the test thread, Django's connection
    handler hands out a new connection object there (it is then an "async" context), which
    would silently skip the restore when the database was created before the browser started.
    """
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents
