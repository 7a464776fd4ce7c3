"""Each back-office role does its month in a real browser (issue 18).

One staff login per role, each a member of the group the office migration made from
kabinet.office.roles: it logs in through the login form, finds on the home page the menu
its role's permissions give (computed from roles.py's table, not a hand list) and its work
queues, then does its task by clicking and filling the pages like a person:

olga    (Operator)         — a caller gives her account number; the reading goes in from the 360° page
edgars  (Meter engineer)   — reviews the possible leak waiting in his queue
anna    (Accountant)       — imports the bank's camt.053, assigns the payment nobody matched, issues
                             and publishes the October run
dmitrijs (Dispatcher)      — closes the overdue service request
sandra  (Customer service) — approves Jānis's registration application

Customers are the shared personas: alice (meters, readings, a request), bob (a leak-suspect
reading, the payer without a reference), and Jānis (no login yet, applies for one).
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from kabinet.billing.models import BillingRun, Invoice, RunStatus
from kabinet.billing.tests.factories import reading, tariff
from kabinet.customers.models import ApplicationStatus, RegistrationApplication, User
from kabinet.customers.services.staff import application_submit
from kabinet.lib.reference import rf_reference
from kabinet.lib.tests.statement_builders import Tx, camt053
from kabinet.meters.models import Reading, ReadingFlag, ReadingSource, ReadingStatus
from kabinet.office import roles
from kabinet.office.queues import QUEUES
from kabinet.payments.models import Payment, PaymentStatus, StatementImport
from kabinet.portal.tests.test_browser_pages import new_context
from kabinet.servicedesk.models import Category, RequestStatus, ServiceRequest
from kabinet.servicedesk.services import request_file, request_set_status
from kabinet.test import PASSWORD, Personas, make_unregistered

pytestmark = [pytest.mark.browser]

SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)

STAFF = {
    "olga": roles.OPERATOR,
    "edgars": roles.METER_ENGINEER,
    "anna": roles.ACCOUNTANT,
    "dmitrijs": roles.DISPATCHER,
    "sandra": roles.CUSTOMER_SERVICE,
}


@pytest.fixture
def month(transactional_db, settings, tmp_path):
    """The utility in the middle of a month, with one piece of work waiting for each role."""
    # The second factor has its own test (test_two_factor); here the roles' menus are the point.
    settings.STAFF_TWO_FACTOR = False
    p = Personas("lv")
    staff = {}
    for username, role in STAFF.items():
        user = User.objects.create_user(
            username=username, email=f"{username}@udens.example", password=PASSWORD, is_staff=True
        )
        # The group the migration made: the test sees what a utility's real role sees.
        user.groups.add(Group.objects.get(name=role.name))
        staff[username] = user

    # Billing: cold water has a price and alice's meter was read in September and October.
    tariff(p.services["cold_water"], "1.20")
    reading(p.alice_cold, SEP, "100.0")
    reading(p.alice_cold, OCT, "112.5")

    # Bob's October reading jumped by 45 m³: flagged as a possible leak, nobody has looked yet.
    reading(p.bob_cold, SEP, "50.0")
    leak = Reading.objects.create(
        meter=p.bob_cold,
        period=OCT,
        value=Decimal("95.0"),
        entered_value="95",
        consumption=Decimal("45.0"),
        source=ReadingSource.PORTAL,
        status=ReadingStatus.ACCEPTED,
        flag=ReadingFlag.LEAK,
    )

    # Alice's leak under the sink: the technician is on it and the deadline has passed.
    category = Category.objects.create(
        code="roles-flat-leak",
        name_lv="Noplūde dzīvoklī",
        name_ru="Протечка в квартире",
        name_en="Leak in the flat",
        deadline_hours=24,
    )
    request = request_file(
        user=p.alice,
        account=p.alice_account,
        category=category,
        description="Water under the kitchen sink",
        phone="+371 20000000",
    )
    request_set_status(request=request, status=RequestStatus.ACCEPTED, actor=p.carol)
    request_set_status(request=request, status=RequestStatus.IN_PROGRESS, actor=p.carol)
    ServiceRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() - dt.timedelta(hours=3))

    # Jānis has an account and a bill but no login: he applied online.
    janis, janis_account, _invoice = make_unregistered("30003", "300001")
    application = application_submit(
        full_name="Jānis Kalniņš",
        client_code="30003",
        account_number="300001",
        address="Vienības iela 8-21",
        email="janis@example.com",
        language="lv",
    )

    # The bank's camt.053 for 13 October: alice paid with her RF reference; bob wrote only
    # "par ūdeni" (for water), so nothing in the file names his account.
    statement = tmp_path / "HABA-20261013.xml"
    statement.write_bytes(
        camt053(
            [
                Tx("2026101300017", "25.00", booked="2026-10-13", structured=rf_reference("100001")),
                Tx(
                    "2026101300018",
                    "15.00",
                    booked="2026-10-13",
                    text="par ūdeni",
                    payer="Boriss Ivanovs",
                    iban="LV22HABA0551000000002",
                ),
            ]
        )
    )
    yield SimpleNamespace(
        p=p,
        staff=staff,
        leak=leak,
        request=request,
        janis=janis,
        janis_account=janis_account,
        application=application,
        statement=statement,
    )


# --- what a role should see, from roles.py's table -----------------------------------------


def menu_of(role: roles.Role) -> set[str]:
    """The registered models ("app.model") the role holds any permission on: Django's
    admin lists a model for any one of view, add, change and delete."""
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    held = set()
    for perm in role.perms:
        app, codename = perm.split(".")
        held.add(f"{app}.{codename.split('_', 1)[1]}")
    return held & registered


def queues_of(role: roles.Role) -> list[str]:
    return [q.key for q in QUEUES if set(q.perms) <= set(role.perms)]


# The rows of Django's app list: <th id="<app>-<model>"> in each app's table.
MENU_ROWS = """sel => Array.from(document.querySelectorAll(sel + ' div[class*="app-"] th[scope=row][id]'))
  .map(th => th.id.replace('-', '.'))"""


def log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(live_server.url + reverse("admin:index"))


def check_home(page, role: roles.Role) -> None:
    """The home page lists exactly the role's menu and its work queues."""
    assert set(page.evaluate(MENU_ROWS, "#content-main")) == menu_of(role)
    shown = [e.get_attribute("id").removeprefix("queue-") for e in page.locator(".work-queues .module").all()]
    assert shown == queues_of(role)
    reports = page.locator(".reports-link").count()
    assert reports == (1 if "office.view_reports" in role.perms else 0)


def check_sidebar(page, role: roles.Role) -> None:
    """Inner pages carry the same menu in the sidebar."""
    page.wait_for_load_state()  # the click has started the next page, not finished it
    assert set(page.evaluate(MENU_ROWS, "#nav-sidebar")) == menu_of(role)


def run_action(page, action: str, *objects) -> None:
    """Tick the changelist rows of `objects` (their checkbox carries the pk), choose the action, Go."""
    for obj in objects:
        page.locator(f"#result_list input.action-select[value='{obj.pk}']").check()
    page.select_option("select[name=action]", action)
    page.locator("button[name=index]").click()
    page.wait_for_load_state()


def refused(page, live_server, path: str) -> bool:
    response = page.goto(live_server.url + path)
    return response.status == 403 or "/login/" in page.url


@pytest.fixture
def office(browser, live_server):
    """A fresh English browser context per login."""
    contexts = []

    def open_as(username: str):
        context, page = new_context(browser, live_server, "en")
        page.set_viewport_size({"width": 1280, "height": 900})  # the back office is a desk job
        contexts.append(context)
        log_in(page, live_server, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


# --- the roles' months ---------------------------------------------------------------------


def test_the_operator_enters_a_callers_reading_from_the_360_page(month, office, live_server):
    p = month.p
    page = office("olga")
    check_home(page, roles.OPERATOR)

    # The caller gives her account number: Customers → Find a customer (360°).
    page.locator("#content-main th#customers-customer a").click()
    check_sidebar(page, roles.OPERATOR)
    page.get_by_role("link", name="Find a customer (360°)").click()
    page.fill("#find-q", "100001")
    page.locator("form[role=search] input[type=submit]").click()
    page.wait_for_url(f"**{reverse('admin:customers_customer_picture', args=[p.alice_customer.pk])}")
    page.get_by_role("link", name="Enter readings for account 100001").click()

    page.fill(f"#id_value_{p.alice_hot.pk}", "7")
    page.get_by_role("button", name="Save readings").click()
    page.locator(".messagelist li", has_text="HW-1001").wait_for()

    entered = Reading.objects.get(meter=p.alice_hot)
    # Accepted inside the reading window, kept for it outside (the date the test runs on).
    assert entered.status in (ReadingStatus.ACCEPTED, ReadingStatus.QUEUED), entered.reason_text
    assert (entered.value, entered.source, entered.entered_by) == (
        Decimal("7"),
        ReadingSource.PHONE,
        month.staff["olga"],
    )
    # Not the operator's work: the billing runs and the reading review.
    assert refused(page, live_server, reverse("admin:billing_billingrun_changelist"))
    assert refused(page, live_server, reverse("admin:meters_reading_correct", args=[month.leak.pk]))


def test_the_meter_engineer_reviews_the_possible_leak(month, office, live_server):
    page = office("edgars")
    check_home(page, roles.METER_ENGINEER)
    assert page.locator("#queue-readings_to_review .count").inner_text() == "1"

    page.locator("#queue-readings_to_review h2 a").click()
    check_sidebar(page, roles.METER_ENGINEER)
    run_action(page, "mark_reviewed", month.leak)
    page.locator(".messagelist", has_text="1 readings marked as reviewed").wait_for()

    month.leak.refresh_from_db()
    assert month.leak.reviewed_by == month.staff["edgars"] and month.leak.reviewed_at is not None
    assert refused(page, live_server, reverse("admin:payments_statement_upload"))


def test_the_accountant_imports_the_statement_assigns_the_stray_payment_and_publishes_the_run(
    month, office, live_server
):
    p = month.p
    page = office("anna")
    check_home(page, roles.ACCOUNTANT)

    # The bank statement: Statement imports → Add → preview → post.
    page.locator("#content-main tr.model-statementimport a.addlink").click()
    check_sidebar(page, roles.ACCOUNTANT)
    page.set_input_files("input[name=file]", str(month.statement))
    page.locator("input[type=submit][value=Preview]").click()
    page.get_by_role("button", name="Post the whole statement").click()
    page.locator(".messagelist", has_text="Posted:").wait_for()
    statement = StatementImport.objects.get()
    assert (statement.status, statement.matched, statement.unmatched) == ("posted", 1, 1)

    # The payment nobody matched waits on the home page; she knows it is bob's.
    page.goto(live_server.url + reverse("admin:index"))
    assert page.locator("#queue-payments_unmatched .count").inner_text() == "1"
    page.locator("#queue-payments_unmatched h2 a").click()
    page.locator("#result_list tr", has_text="Boriss Ivanovs").get_by_role("link", name="Resolve").click()
    page.fill("input[name=assign-account]", "200001")
    page.fill("input[name=assign-reason]", "Bob phoned: the transfer for water was his")
    page.locator("input[type=submit][value=Assign]").click()
    page.locator(".messagelist", has_text="Done.").wait_for()

    alice_paid = Payment.objects.get(external_id__contains="2026101300017")
    bobs = Payment.objects.get(external_id__contains="2026101300018")
    assert (alice_paid.status, alice_paid.account) == (PaymentStatus.REGISTERED, p.alice_account)
    assert (bobs.status, bobs.account, bobs.amount) == (PaymentStatus.REGISTERED, p.bob_account, Decimal("15.00"))

    # October's run: Billing runs → Preview and issue → Issue → back to the list → Publish.
    page.goto(live_server.url + reverse("admin:index"))
    page.locator("#content-main th#billing-billingrun a").click()
    page.get_by_role("link", name="Preview and issue a run").click()
    page.fill("input[name=period]", "2026-10-01")
    page.locator("input[type=submit][value=Preview]").click()
    page.locator("input[type=submit][name=issue]").click()
    page.locator(".messagelist", has_text="draft invoices").wait_for()
    run = BillingRun.objects.get(period=OCT)
    assert run.status == RunStatus.DRAFT

    page.goto(live_server.url + reverse("admin:index"))
    page.locator("#queue-billing_runs_to_publish h2 a").click()
    run_action(page, "publish_runs", run)
    page.locator(".messagelist", has_text="published").wait_for()

    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED
    invoices = list(Invoice.objects.filter(run=run))
    assert invoices and all(i.number for i in invoices)
    assert len({i.number for i in invoices}) == len(invoices)
    assert refused(page, live_server, reverse("admin:meters_hotline"))


def test_the_dispatcher_closes_the_overdue_request(month, office, live_server):
    page = office("dmitrijs")
    check_home(page, roles.DISPATCHER)

    page.locator("#queue-requests_overdue td a").first.click()
    check_sidebar(page, roles.DISPATCHER)
    page.select_option("select[name=new_status]", RequestStatus.DONE)
    page.fill("textarea[name=status_note]", "The siphon was replaced.")
    page.locator("input[name=_save]").click()
    page.locator(".messagelist").wait_for()

    month.request.refresh_from_db()
    assert month.request.status == RequestStatus.DONE and month.request.closed_at is not None
    assert refused(page, live_server, reverse("admin:billing_billingrun_changelist"))


def test_customer_service_approves_the_application_and_a_login_is_made(month, office, live_server):
    page = office("sandra")
    check_home(page, roles.CUSTOMER_SERVICE)

    page.locator("#queue-applications_waiting h2 a").click()
    check_sidebar(page, roles.CUSTOMER_SERVICE)
    run_action(page, "approve_selected", month.application)
    page.locator(".messagelist", has_text="approved").wait_for()

    application = RegistrationApplication.objects.get(pk=month.application.pk)
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == month.staff["sandra"]
    login = application.user
    assert login is not None and (login.customer, login.email) == (month.janis, "janis@example.com")
    assert refused(page, live_server, reverse("admin:payments_statement_upload"))
