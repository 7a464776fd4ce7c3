"""Every customer portal page and every public page in headless Chromium at 360 px, in each
of the utility's languages: it answers, fits the phone without sideways scrolling, has one
h1, declares its language, and a Russian or Latvian page shows no English left untranslated.
Then the keyboard: a few representative pages are walked with Tab to their submit button."""

import datetime as dt
import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from kabinet.billing.services import LineSpec, invoice_create
from kabinet.meters.models import Reading
from kabinet.news.models import News, Outage
from kabinet.reception.services import reception_message_send
from kabinet.servicedesk.models import Category
from kabinet.servicedesk.services import request_file
from kabinet.test import PASSWORD, Personas

pytestmark = [pytest.mark.browser]

LANGUAGES = ("en", "ru", "lv")  # English first: the other languages are compared with it

# Data, not interface text: these may read the same in every language.
DATA = (
    "Rīgas iela",
    "Saules iela",
    "Daugavpils",
    "CW-1001",
    "HW-1001",
    "100001",
    "100002",
    "alice@example.com",
    "Alise",
    "Pilsētas ūdens",
    "info@udens.example",
    "EUR",
    "Water on the kitchen floor",
    "Pipe works on Rīgas iela",
    "Spring cleaning of the mains",
    "About my bill",
    "RSS",
    "Atom",
    "CSV",
    "QR",
)


@pytest.fixture
def site(transactional_db) -> dict:
    """Alice with one of everything a page lists; returns the paths to visit."""
    personas = Personas("lv")
    # A transactional test starts from a flushed database: recreate the default categories.
    importlib.import_module("kabinet.servicedesk.migrations.0002_default_categories").create(apps, None)
    invoice = invoice_create(
        account=personas.alice_account,
        period=dt.date(2026, 9, 1),
        lines=[
            LineSpec(
                service=personas.services["cold_water"],
                description="Cold water",
                quantity=Decimal("5"),
                unit="m3",
                price=Decimal("2.50"),
                vat_rate=Decimal("0"),
                method="metered",
            )
        ],
        issued_on=dt.date(2026, 10, 10),
        due_on=dt.date(2026, 10, 25),
    )
    reading = Reading.objects.create(
        meter=personas.alice_cold,
        period=dt.date(2026, 9, 1),
        value=Decimal("564.5"),
        source="portal",
        status="accepted",
    )
    request = request_file(
        user=personas.alice,
        account=personas.alice_account,
        category=Category.objects.filter(is_emergency=False).first(),
        description="Water on the kitchen floor",
        phone="+371 20000000",
    )
    message = reception_message_send(kind="question", subject="About my bill", text="Why so much?", user=personas.alice)
    news = News.objects.create(title="Spring cleaning of the mains", body="The mains are flushed in April.")
    Outage.objects.create(
        service=personas.services["cold_water"],
        title="Pipe works on Rīgas iela",
        description="No cold water.",
        starts_at=timezone.now() + dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=1, hours=4),
    )
    public = [
        (reverse("portal:login"), 200),
        (reverse("portal:register"), 200),
        (reverse("portal:register-sent"), 200),
        (reverse("portal:application"), 200),
        (reverse("portal:application-sent"), 200),
        (reverse("portal:activation-resend"), 200),
        (reverse("portal:activate-code"), 200),
        (reverse("portal:activate", args=["not-a-token"]), 400),
        (reverse("portal:password-reset"), 200),
        (reverse("portal:password-reset-sent"), 200),
        (reverse("portal:password-reset-confirm", args=["not-a-token"]), 400),
        (reverse("portal:email-confirm", args=["not-a-token"]), 200),
        (reverse("portal:invitation-accept", args=["not-a-token"]), 400),
        (reverse("portal:unsubscribe", args=["not-a-token"]), 404),
        (reverse("portal:news"), 200),
        (reverse("portal:news-detail", args=[news.pk]), 200),
        (reverse("portal:outages"), 200),
        (reverse("portal:contacts"), 200),
        (reverse("portal:offline"), 200),
        ("/no-such-page/", 404),
    ]
    private = [
        (reverse("portal:dashboard"), 200),
        (reverse("portal:readings"), 200),
        (reverse("portal:readings-receipt") + f"?r={reading.pk}", 200),
        (reverse("portal:readings-history"), 200),
        (reverse("portal:meter-detail", args=[personas.alice_cold.pk]), 200),
        (reverse("portal:api-tokens"), 200),
        (reverse("portal:invoices"), 200),
        (reverse("portal:invoice-detail", args=[invoice.pk]), 200),
        (reverse("portal:invoice-receipt", args=[invoice.pk]), 200),
        (reverse("portal:statement"), 200),
        (reverse("portal:consumption"), 200),
        (reverse("portal:payment-history"), 200),
        (reverse("portal:pay"), 200),
        (reverse("portal:requests"), 200),
        (reverse("portal:request-new"), 200),
        (reverse("portal:request-detail", args=[request.pk]), 200),
        (reverse("portal:news"), 200),
        (reverse("portal:news-detail", args=[news.pk]), 200),
        (reverse("portal:outages"), 200),
        (reverse("portal:contacts"), 200),
        (reverse("portal:reception-messages"), 200),
        (reverse("portal:reception-detail", args=[message.pk]), 200),
        (reverse("portal:notification-settings"), 200),
        (reverse("portal:access"), 200),
        (reverse("portal:password-change"), 200),
        (reverse("portal:email-change"), 200),
        (reverse("portal:premises-add"), 200),
    ]
    return {"personas": personas, "public": public, "private": private}


UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
  .map(e => e.name || e.id)"""


# The interface text of a page: menus, headings, labels, buttons, table headers.
INTERFACE_TEXT = """() => Array.from(document.querySelectorAll(
    'nav a, nav button, .foot-links a, h1, h2, h3, label, legend, button, th, main a.button'))
  .filter(e => e.offsetParent !== null)
  .map(e => e.innerText.replace(/\\s+/g, ' ').trim()).filter(Boolean)"""


def new_context(browser, live_server, language: str):
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-US")
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def log_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + reverse("portal:login"))
    page.fill("input[name=identifier]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=identifier]) button[type=submit]").click()
    page.wait_for_url(live_server.url + reverse("portal:dashboard"))


def check_page(page, live_server, path: str, status: int, language: str) -> tuple[list[str], list[str]]:
    """Visits one page; returns (problems, interface text)."""
    problems = []
    response = page.goto(live_server.url + path)
    where = f"{language} {path}"
    if response.status != status:
        problems.append(f"{where}: HTTP {response.status}, expected {status}")
    if page.locator("html").get_attribute("lang") != language:
        problems.append(f"{where}: <html lang={page.locator('html').get_attribute('lang')}>")
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        wide = page.evaluate(
            """() => Array.from(document.querySelectorAll('main *, header *, footer *'))
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
              .slice(0, 3)
              .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
        )
        problems.append(f"{where}: {scroll} px wide at {inner} px: {wide}")
    gap = page.evaluate(
        # The portal's own header (a printable receipt is a document of its own without one).
        """() => { const first = document.querySelector('main > *');
          const top = document.querySelector('header.top');
          if (!top || !first) return 99;
          return first.getBoundingClientRect().top - top.getBoundingClientRect().bottom; }"""
    )
    if gap < 8:
        problems.append(f"{where}: the content starts {gap} px below the header")
    unlabelled = page.evaluate(UNLABELLED)
    if unlabelled:
        problems.append(f"{where}: form controls without a label: {unlabelled}")
    h1s = page.locator("h1").count()
    if h1s != 1:
        problems.append(f"{where}: {h1s} h1 elements")
    return problems, page.evaluate(INTERFACE_TEXT)


def untranslated(text: list[str], english: list[str]) -> list[str]:
    """Interface strings that read exactly as on the English page and are words, not data."""
    same = set(text) & set(english)
    return sorted(s for s in same if re.search(r"[A-Za-z]{3,}", s) and not any(d in s for d in DATA))


def test_it_shows_every_page_in_every_language_on_a_phone(live_server, browser, site):
    problems = []
    english: dict[tuple[str, str], list[str]] = {}
    for language in LANGUAGES:
        context, page = new_context(browser, live_server, language)
        try:
            for kind, pages in (("public", site["public"]), ("private", site["private"])):
                if kind == "private":
                    log_in(page, live_server, site["personas"].alice.email)
                for path, status in pages:
                    found, text = check_page(page, live_server, path, status, language)
                    problems += found
                    if language == "en":
                        english[(kind, path)] = text
                    else:
                        left = untranslated(text, english[(kind, path)])
                        if left:
                            problems.append(f"{language} {path}: untranslated {left}")
        finally:
            context.close()
    assert not problems, "\n".join(problems)


# --- keyboard ------------------------------------------------------------------------------

FOCUSED = """() => { const e = document.activeElement; if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  return {tag: e.tagName, type: e.type || '', name: e.name || '', text: (e.innerText || '').trim(),
          form: e.form ? (e.form.getAttribute('action') || '') + '|' + e.form.className : '',
          inMain: !!e.closest('main'), inNav: !!e.closest('nav'), inLang: !!e.closest('form.lang'),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
          shadow: s.boxShadow !== 'none'}; }"""


def tab_to_submit(page, form_selector: str, limit: int = 60) -> dict:
    """Presses Tab from the top of the page until the form's submit button has the focus;
    returns what was reached on the way."""
    submit = page.locator(f"{form_selector} button[type=submit]").first
    submit.wait_for()
    seen = {"lang": False, "nav": False, "unfocusable_outline": []}
    # Start from the top of the page even where a field has the focus already (autofocus).
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.click(1, 1)
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUSED)
        if state is None:
            continue
        seen["lang"] |= state["inLang"]
        seen["nav"] |= state["inNav"]
        if not (state["outline"] or state["shadow"]):
            seen["unfocusable_outline"].append(f"{state['tag']} {state['name'] or state['text'][:20]}")
        if page.evaluate("(b) => document.activeElement === b", submit.element_handle()):
            seen["submit"] = True
            return seen
    seen["submit"] = False
    return seen


@pytest.mark.parametrize(
    ("url_name", "form_selector", "logged_in"),
    [
        ("portal:login", "form:has(input[name=identifier])", False),
        ("portal:readings", "main form:has(input[name^=value_])", True),
        ("portal:request-new", "main form:has(textarea[name=description])", True),
        ("portal:contacts", "main form:has(textarea[name=text])", True),
        ("portal:password-change", "main form:has(input[type=password])", True),
    ],
)
def test_it_reaches_the_form_by_keyboard_with_visible_focus(
    live_server, browser, site, url_name, form_selector, logged_in
):
    context, page = new_context(browser, live_server, "en")
    try:
        if logged_in:
            log_in(page, live_server, site["personas"].alice.email)
        page.goto(live_server.url + reverse(url_name))
        assert page.evaluate(UNLABELLED) == []  # every visible form control has a label
        seen = tab_to_submit(page, form_selector)
        assert seen["submit"], f"Tab never reached the submit button of {form_selector}"
        assert seen["lang"]  # the language switch is on the way
        if logged_in:
            assert seen["nav"]  # and so is the main menu
        assert seen["unfocusable_outline"] == []  # the focused element is always outlined
    finally:
        context.close()
