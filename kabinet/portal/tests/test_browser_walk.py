"""Every portal page a customer can open, in headless Chromium on the seeded demo (`seed_demo`,
as `make run` loads it): as the demo's main customer (alice, holder of two premises), as a
household member with readings-only access (invited through the access service), and the
public pages; in ru, lv and en; on a phone (360×740) and a desktop (1280×800). Each page

- answers 200 (or the status listed with it),
- does not scroll sideways: the document is no wider than the window and no table is wider
  than its box (on a phone a portal table stacks its rows, each cell labelled with its
  column's header: table.stack with data-label cells, see static/css/kabinet.css),
- shows no raw code (cold_water, unknown_meter), no catalogue phrase left in English on a
  Russian or Latvian page and no Russian on a Latvian or English page,
- passes axe-core's WCAG 2.0/2.1 A and AA rules (axe-playwright-python ships axe-core), in
  the utility's first language at both widths (axe takes longer than the rest of a page's
  checks; colours and markup are the same in every language).

The page list is checked against kabinet/portal/urls.py and against the links on the walked
pages: a new page is walked or listed in NOT_WALKED with the reason. The walk is one test, so
the demo is seeded once for the module (a transactional test flushes the database after it).
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.management import get_commands
from django.urls import Resolver404, get_resolver, resolve, reverse
from django.utils import timezone

from kabinet.autopay.models import Mandate, SavedMethod
from kabinet.billing.models import Invoice
from kabinet.customers.models import AccessRole, Account, User
from kabinet.customers.services import sharing
from kabinet.customers.tokens import Purpose, token_make
from kabinet.meters.models import Meter, Reading
from kabinet.news.models import News, Outage
from kabinet.news.selectors import outages_for_building
from kabinet.notifications.models import MailKind
from kabinet.notifications.unsubscribe import unsubscribe_token
from kabinet.pages.models import Page as UtilityPage
from kabinet.portal.tests.test_browser_demo import demo  # noqa: F401 - the fixture
from kabinet.reception.services import reception_message_send, reception_reply
from kabinet.servicedesk.models import Category
from kabinet.servicedesk.services import request_comment_add, request_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif("seed_demo" not in get_commands(), reason="seed_demo is not installed (kabinet.demo)"),
]

LANGUAGES = ("ru", "lv", "en")
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_LANGUAGE = "lv"  # the demo utility's first language
MEMBER_EMAIL, MEMBER_PASSWORD = "household.member@example.com", "Walk-the-portal-2026"

# The pages, by URL name (portal namespace), and who opens them.
PUBLIC = [
    "login",
    "register",
    "register-sent",
    "application",
    "application-sent",
    "activation-resend",
    "activate-code",
    "activate",  # an unknown link: the link error page (400)
    "password-reset",
    "password-reset-sent",
    "password-reset-confirm",
    "email-confirm",
    "invitation-accept",
    "unsubscribe",
    "news",
    "news-detail",
    "outages",
    "contacts",
    "offline",
    "privacy-policy",
]
MEMBER = [
    "dashboard",
    "readings",
    "readings-receipt",
    "readings-history",
    "meter-detail",
    "api-tokens",
    "requests",
    "request-new",
    "request-detail",
    "news",
    "news-detail",
    "outages",
    "contacts",
    "reception-messages",
    "reception-detail",
    "notification-settings",
    "access",
    "password-change",
    "email-change",
    "premises-add",
    "privacy",
    "privacy-correction",
    "privacy-erasure",
    "developers",
]
HOLDER_ONLY = [
    "invoices",
    "invoice-detail",
    "invoice-receipt",
    "statement",
    "consumption",
    "payment-history",
    "pay",
]
CUSTOMER = MEMBER[:6] + HOLDER_ONLY + MEMBER[6:]
STATUS = {"activate": 400}
# The utility's pages' URLs (kabinet.pages, /info/) that are not pages to walk.
INFO_NOT_WALKED = {
    "pages:document": "a PDF the utility uploaded",
    "autopay:return": "reached back from the payment provider after saving a card",
}
# Portal URLs that are not pages to walk, and why.
NOT_WALKED = {
    "logout": "a POST (the walk ends each session by dropping its cookie)",
    "offline-pages": "JSON for the service worker: the pages it saves (test_pwa_offline_pages.py)",
    "account-choose": "a POST from the premises switcher",
    "invite": "a POST from the access page (it shows that page again on an error)",
    "access-revoke": "a POST",
    "invitation-revoke": "a POST",
    "request-comment": "a POST",
    "request-rate": "a POST",
    "request-reopen": "a POST",
    "reception-reply": "a POST",
    "api-token-revoke": "a POST",
    "payment-notify": "the payment provider's server-to-server notification",
    "pay-return": "reached back from the payment provider (test_browser_payment walks it)",
    "sandbox-page": "the sandbox payment provider's page, not the portal's (test_browser_payment walks it)",
    "invoice-pdf": "a PDF",
    "statement-pdf": "a PDF",
    "readings-history-csv": "a CSV download",
    "request-photo": "an image",
    "reading-photo": "an image (a photo of the meter)",
    "readings-photo": 'a POST (the readings form\'s "Attach the photo" button)',
    "news-image": "an image",
    "news-rss": "a feed",
    "news-atom": "a feed",
    "outages-atom": "a feed",
    "manifest": "the web app manifest (JSON)",
    "service-worker": "the service worker (JavaScript)",
    "privacy-export": "a POST from the privacy page",
    "privacy-erasure-cancel": "a POST",
    "privacy-download": "a ZIP, from the link mailed to the login",
    "telegram": "404 while the bot is off, as in the walk (kabinet/telegram/tests cover the page)",
}


@dataclass
class Page:
    name: str
    path: str
    status: int = 200


def portal_url_names() -> set[str]:
    _prefix, resolver = get_resolver().namespace_dict["portal"]
    return {pattern.name for pattern in resolver.url_patterns if pattern.name}


def test_the_walk_covers_every_portal_page():
    walked = set(PUBLIC) | set(CUSTOMER)
    assert set(MEMBER) <= set(CUSTOMER)
    assert not walked & set(NOT_WALKED)
    assert portal_url_names() == walked | set(NOT_WALKED)


# --- the demo, with one of everything a page lists ---------------------------------------


def household_member(account: Account, holder: User) -> User:
    """A readings-only member of the holder's household, invited and accepted through the
    access service as on the access page."""
    invitation = sharing.invitation_send(account=account, email=MEMBER_EMAIL, role=AccessRole.READINGS, actor=holder)
    access = sharing.invitation_accept(
        token=token_make(Purpose.INVITE, i=invitation.pk),
        first_name="Eva",
        last_name="Bērziņa",
        password=MEMBER_PASSWORD,
    )
    return access.user


@pytest.fixture
def site(demo) -> dict:  # noqa: F811 - the imported fixture
    """The pages to walk per persona, on the demo plus what it may lack (a request, a message,
    a news item and an outage at alice's address) and a household member."""
    alice, bob = demo["customers"][:2]
    holder = User.objects.get(email__iexact=alice["email"])
    staff = User.objects.get(username=demo["staff"][0]["username"])
    account = Account.objects.select_related("premises__building").get(number=alice["accounts"][0])
    member = household_member(account, holder)
    meter = Meter.objects.filter(premises=account.premises, status="active").order_by("pk").first()
    reading = Reading.objects.filter(meter=meter).order_by("-period", "-pk").first()
    invoice = Invoice.objects.filter(account=account).order_by("-period").first()
    assert meter and reading and invoice, "the demo customer has meters, readings and invoices"
    news = News.objects.order_by("-publish_at").first() or News.objects.create(
        title="Spring flushing of the water mains", body="The mains are flushed in April."
    )
    if not outages_for_building(account.premises.building).exists():
        outage = Outage.objects.create(
            service=meter.service,
            title="Pipe works in the building",
            description="No water from 9:00 to 13:00.",
            starts_at=timezone.now() + dt.timedelta(days=1),
            ends_at=timezone.now() + dt.timedelta(days=1, hours=4),
        )
        outage.buildings.add(account.premises.building)
    category = Category.objects.filter(active=True, is_emergency=False, meter_work="").first()
    requests, messages = {}, {}
    for user in (holder, member):
        requests[user] = request_file(
            user=user, account=account, category=category, description="The tap drips.", phone="+371 20000000"
        )
        messages[user] = reception_message_send(
            kind="question", subject="About my bill", text="Why is it higher?", user=user
        )
    request_comment_add(request=requests[holder], author=staff, text="A plumber comes on Monday.")
    reception_reply(message=messages[holder], author=staff, text="The tariff changed in October.")
    # An invitation still open, for its acceptance page.
    invitation = sharing.invitation_send(
        account=account, email="tenant@example.com", role=AccessRole.READINGS, actor=holder
    )
    bob_user = User.objects.get(email__iexact=bob["email"])
    args = {
        "meter-detail": [meter.pk],
        "invoice-detail": [invoice.pk],
        "invoice-receipt": [invoice.pk],
        "news-detail": [news.pk],
        "activate": ["not-a-token"],
        # bob's: the walk logs alice in, which ends her reset links.
        "password-reset-confirm": [token_make(Purpose.RESET, user=bob_user)],
        "email-confirm": ["from-the-e-mail"],  # checked only when the button is pressed
        "invitation-accept": [token_make(Purpose.INVITE, i=invitation.pk)],
        "unsubscribe": [unsubscribe_token(user_id=holder.pk, kind=MailKind.INVOICE)],
    }

    def pages(names: list[str], user: User | None = None) -> list[Page]:
        own = {"request-detail": [requests[user].pk], "reception-detail": [messages[user].pk]} if user else {}
        found = []
        for name in names:
            path = reverse(f"portal:{name}", args=own.get(name, args.get(name, [])))
            if name == "readings-receipt":
                path += f"?r={reading.pk}"
            found.append(Page(name, path, STATUS.get(name, 200)))
        return found

    # Automatic payment (kabinet/autopay): the settings page, and a card saved for alice's
    # second account, so the page lists it and its "Stop" confirmation can be opened.
    card = SavedMethod.objects.create(
        user=holder,
        provider="sandbox",
        token="pm_walk",
        title="Visa",
        last4="4242",
        expiry_month="12",
        expiry_year="2029",
        card_type="Visa",
    )
    mandate = Mandate.objects.create(
        user=holder,
        account=Account.objects.get(number=alice["accounts"][1]),
        method=card,
        mode="day_of_month",
        day=20,
        max_amount=Decimal("80.00"),
        status="active",
    )
    autopay = [
        Page("autopay:home", reverse("autopay:home"), 200),
        Page("autopay:stop", reverse("autopay:stop", args=[mandate.pk]), 200),
    ]
    # The utility's own pages (/info/, kabinet.pages), as the demo publishes them.
    info = [Page("pages:index", reverse("pages:index"), 200)] + [
        Page("pages:page", reverse("pages:page", args=[slug]), 200)
        for slug in UtilityPage.objects.published().values_list("slug", flat=True)
    ]
    assert len(info) > 5, "the demo publishes the utility's pages"
    return {
        "pages": {
            "public": pages(PUBLIC) + info,
            "customer": pages(CUSTOMER, holder) + autopay,
            "member": pages(MEMBER, member),
        },
        "logins": {"customer": (alice["login"], alice["password"]), "member": (MEMBER_EMAIL, MEMBER_PASSWORD)},
    }


# --- what a page must pass -------------------------------------------------------------

LAYOUT = """() => {
  const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  const contentWidth = e => { const s = getComputedStyle(e);
    return e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); };
  const tables = [...document.querySelectorAll('table')];
  // A cell under a named column header needs that name as its data-label (the phone layout).
  const unlabelled = t => t.tHead && [...t.querySelectorAll('tbody td')].some(td => {
    const head = t.tHead.rows[0].cells[td.cellIndex];
    return td.colSpan < 2 && td.textContent.trim() && head && head.textContent.trim() && !td.hasAttribute('data-label');
  });
  return {
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).slice(0, 5).map(describe),
    tables: tables.filter(t => t.getBoundingClientRect().width > contentWidth(t.parentElement) + 0.5)
      .map(t => describe(t.parentElement) + ' > ' + describe(t)),
    // The portal's own pages (a printable receipt is a document of its own, without the header).
    unstacked: document.querySelector('header.top')
      ? tables.filter(t => !t.classList.contains('stack') || unlabelled(t)).map(describe) : [],
    links: [...document.querySelectorAll('a[href]')].map(a => a.href)
      .filter(h => h.startsWith(location.origin + '/')).map(h => new URL(h).pathname),
  };
}"""

# The rendered size of the charts' labels (history, consumption): the font size times the
# SVG's scale on screen. A chart scaled down to a phone had 5 px labels.
CHART_LABELS = """() => [...document.querySelectorAll('.chart svg text')]
  .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""


# The page's own words: the text nodes of <main> outside code samples (<pre>, <code>), form
# values and scripts, as the visitor reads them.
TEXTS = """() => {
  const out = [];
  const main = document.querySelector('main');
  if (!main) return out;
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest('pre, code, script, style, textarea, option')) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text) out.push(text);
  }
  return out;
}"""
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # cold_water, lower_than_previous, unknown_meter
CYRILLIC = re.compile(r"[А-Яа-яЁё]{3,}")


def english_left_untranslated(language: str) -> set[str]:
    """The catalogue's English phrases that `language` translates otherwise: found whole on a
    page in that language, they were left untranslated."""
    from django.utils.translation import trans_real

    catalog = trans_real.translation(language)._catalog
    phrases = set()
    for msgid, msgstr in catalog.items():
        if isinstance(msgid, str) and msgstr and msgstr != msgid and len(msgid) > 3 and " " in msgid:
            phrases.add(msgid)
    return phrases


def language_problems(texts: list[str], language: str, where: str, untranslated: set[str]) -> list[str]:
    """Raw codes, English left untranslated and Russian on a Latvian or English page."""
    problems = []
    for text in texts:
        if "@" not in text and "/" not in text and (code := RAW_CODE.search(text)):
            problems.append(f"{where}: a raw code on the page: {code.group(0)!r} in {text[:80]!r}")
        if language != "en" and text.rstrip(".:") in untranslated:
            problems.append(f"{where}: left in English: {text[:80]!r}")
        if language != "ru" and CYRILLIC.search(text):
            problems.append(f"{where}: Russian on a {language} page: {text[:80]!r}")
    return problems


def axe_violations(page, axe) -> list[str]:
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    return [
        f"axe {v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']}: "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in results.response["violations"]
    ]


def check_page(
    page, base: str, target: Page, where: str, axe, language: str, untranslated: set[str]
) -> tuple[list[str], set[str]]:
    """Opens one page; returns its problems and the portal pages it links to."""
    response = page.goto(base + target.path)
    status = response.status if response else None
    if status != target.status:
        return [f"{where}: HTTP {status}, expected {target.status}"], set()
    found = page.evaluate(LAYOUT)
    problems = []
    if found["scroll"] > found["inner"]:
        problems.append(f"{where}: {found['scroll']} px wide in a {found['inner']} px window: {found['wide']}")
    problems += [f"{where}: a table wider than its box: {t}" for t in found["tables"]]
    problems += [
        f"{where}: a table without the phone layout (class stack, data-label cells): {t}" for t in found["unstacked"]
    ]
    sizes = page.evaluate(CHART_LABELS)
    if sizes and min(sizes) < 11:
        problems.append(f"{where}: a chart's labels are {min(sizes):.1f} px")
    if axe is not None:
        problems += [f"{where}: {v}" for v in axe_violations(page, axe)]
    problems += language_problems(page.evaluate(TEXTS), language, where, untranslated)
    linked = set()
    for path in found["links"]:
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.namespace == "portal":
            linked.add(match.url_name)
        elif match.namespace in ("pages", "autopay"):
            linked.add(f"{match.namespace}:{match.url_name}")
    return problems, linked


def check_menu(page, base: str, where: str, phone: bool) -> list[str]:
    """The main menu folds into a disclosure on a phone (opened by keyboard) and is a row of
    links on a desktop; the current page's link says so."""
    page.goto(base + reverse("portal:dashboard"))
    summary = page.locator("nav.nav .menu > summary")
    current = page.locator(f"nav.nav a[href='{reverse('portal:dashboard')}'][aria-current=page]")
    problems = []
    if phone:
        if not summary.is_visible() or current.is_visible():
            problems.append(f"{where}: the menu is not folded on a phone")
        summary.focus()
        page.keyboard.press("Enter")
    if summary.is_visible() != phone:
        problems.append(f"{where}: the menu's button is {'hidden' if phone else 'shown'}")
    if not current.is_visible():
        problems.append(f"{where}: the menu does not show its links with the current page marked")
    return problems


def log_in(browser, base: str, login: str, password: str) -> list[dict]:
    """Logs in through the form once; returns the session's cookies for the walk's contexts."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base + reverse("portal:login"))
        page.fill("input[name=identifier]", login)
        page.fill("input[name=password]", password)
        page.click("form:has(input[name=identifier]) button[type=submit]")
        page.wait_for_url(base + reverse("portal:dashboard"))
        return context.cookies()
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_it_walks_every_page_in_every_language_on_a_phone_and_a_desktop(live_server, browser, site):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    base = live_server.url
    sessions = {"public": []} | {who: log_in(browser, base, *login) for who, login in site["logins"].items()}
    problems: list[str] = []
    linked: set[str] = set()
    untranslated = {language: english_left_untranslated(language) for language in LANGUAGES}
    for size, viewport in VIEWPORTS.items():
        for language in LANGUAGES:
            # One context per width and language; each persona's session is swapped in.
            context = browser.new_context(viewport=viewport, locale="en-US")
            page = context.new_page()
            page.set_default_timeout(15_000)
            try:
                for who, pages in site["pages"].items():
                    context.clear_cookies()
                    context.add_cookies([*sessions[who], {"name": "django_language", "value": language, "url": base}])
                    if who == "customer":
                        problems += check_menu(page, base, f"{size} {language} {who} menu", size == "phone")
                    for target in pages:
                        where = f"{size} {language} {who} {target.path}"
                        found, links = check_page(
                            page,
                            base,
                            target,
                            where,
                            axe if language == AXE_LANGUAGE else None,
                            language,
                            untranslated[language],
                        )
                        problems += found
                        linked |= links
            finally:
                context.close()
    # The folded menu is a <details> disclosure: it opens by keyboard with scripts off too.
    context = browser.new_context(viewport=VIEWPORTS["phone"], java_script_enabled=False, locale="en-US")
    try:
        context.add_cookies(sessions["customer"])
        problems += check_menu(context.new_page(), base, "phone without JavaScript", phone=True)
    finally:
        context.close()
    walked = {p.name for pages in site["pages"].values() for p in pages}
    unwalked = linked - walked - set(NOT_WALKED) - set(INFO_NOT_WALKED)
    assert not unwalked, f"pages linked from the portal that the walk does not open: {sorted(unwalked)}"
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_language_checks_catch_what_they_look_for():
    untranslated = english_left_untranslated("lv")
    assert "Meter readings" in untranslated
    found = language_problems(
        ["cold_water", "Meter readings", "Показания счётчиков", "Skaitītāju rādījumi", "alice@example.com"],
        "lv",
        "lv page",
        untranslated,
    )
    assert len(found) == 3, found
