"""The reports' pages: who opens them, what they show, their exports read back, bounded
queries whatever the rows."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from kabinet.office.reports.views import REPORTS
from kabinet.office.tests.test_reports_world import EVIL, EVIL_FILE, World

SLUGS = [r.slug for r in REPORTS]
ALLOWED = {"Accountant", "Administrator", "Auditor", "superuser", "read-only"}
REFUSED = {"Operator", "Meter engineer", "Dispatcher", "Customer service", "Inspector", "no role"}


@pytest.fixture(autouse=True)
def october_20th():
    with time_machine.travel(dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def world(personas) -> World:
    return World(personas)


def urls() -> list[str]:
    return [reverse("admin:reports"), *(reverse("admin:report", args=[slug]) for slug in SLUGS)]


def test_the_roles_that_answer_for_the_figures_open_the_reports(client, staff):
    assert ALLOWED | REFUSED == set(staff)
    for role in ALLOWED:
        client.force_login(staff[role])
        for url in urls():
            assert client.get(url).status_code == 200, (role, url)
            assert client.get(url + "?export=csv").status_code == 200, (role, url)
        assert b"/office/reports/" in client.get(reverse("admin:index")).content, role
    for role in REFUSED:
        client.force_login(staff[role])
        for url in urls():
            assert client.get(url).status_code == 403, (role, url)
            assert client.get(url + "?export=xlsx").status_code == 403, (role, url)
        assert b"/office/reports/" not in client.get(reverse("admin:index")).content, role


def test_anonymous_is_sent_to_the_login_page(client, db):
    for url in urls():
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_customer_is_not_staff(client, personas):
    client.force_login(personas.alice)
    response = client.get(reverse("admin:report", args=["debtors"]))
    assert response.status_code == 302


def test_an_unknown_report_is_not_found(client, staff):
    client.force_login(staff["Accountant"])
    assert client.get("/office/reports/nothing/").status_code == 404


def test_the_debtors_page_shows_the_figures_in_the_languages_format(client, staff, world):
    client.force_login(staff["Accountant"])
    client.cookies["django_language"] = "lv"
    page = client.get(reverse("admin:report", args=["debtors"]), {"period": "2026-10"}).content.decode()
    assert "100,00" in page and "300001" in page  # Latvian: a decimal comma
    assert "HYPERLINK" in page and "<script" not in page.split("HYPERLINK")[0][-40:]
    client.cookies["django_language"] = "en"
    page = client.get(reverse("admin:report", args=["debtors"]), {"period": "2026-10"}).content.decode()
    assert "100.00" in page and "Total" in page
    assert 'class="num"' in page


@pytest.mark.parametrize("slug", SLUGS)
def test_each_report_page_reads_a_bounded_number_of_queries(client, staff, world, slug, django_assert_max_num_queries):
    client.force_login(staff["Accountant"])
    url = reverse("admin:report", args=[slug])
    with django_assert_max_num_queries(14):
        assert client.get(url, {"period": "2026-10"}).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(url, {"period": "2026-10", "export": "xlsx"}).status_code == 200


def test_the_dashboard_shows_the_month_with_its_charts(client, staff, world, django_assert_max_num_queries):
    client.force_login(staff["Auditor"])
    with django_assert_max_num_queries(16):
        response = client.get(reverse("admin:reports"), {"period": "2026-10"})
    page = response.content.decode()
    assert page.count("<svg") >= 8 and "Overdue debt by age" in page
    assert "75.00" in page  # received in October
    assert "3 debtors" in page


def test_the_csv_export_reads_back_with_formulas_neutralised(client, staff, world):
    client.force_login(staff["Accountant"])
    response = client.get(reverse("admin:report", args=["debtors"]), {"period": "2026-10", "export": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="debtors-2026-10.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Account", "Customer", "Address", "Debt"]
    by_account = {row[0]: row for row in rows[1:]}
    assert by_account["300001"][1] == "'" + EVIL
    assert by_account["300001"][3] == "30.00"
    assert by_account["100002"][7] == "100.00" and by_account["100002"][9] == "2026-05-01"
    assert len(rows) == 1 + 3  # every debtor, no total row

    payments = client.get(reverse("admin:report", args=["payments"]), {"period": "2026-10", "export": "csv"})
    files = {row[2] for row in csv.reader(io.StringIO(payments.content.decode("utf-8-sig")), delimiter=";")}
    assert "'" + EVIL_FILE in files


def test_the_xlsx_export_has_numbers_and_no_formulas(client, staff, world):
    client.force_login(staff["Accountant"])
    response = client.get(reverse("admin:report", args=["debtors"]), {"period": "2026-10", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0][:2]] == ["Account", "Customer"]
    org = next(r for r in rows[1:] if r[0].value == "300001")
    assert org[1].value == EVIL and org[1].data_type == "s"  # text, not a formula
    assert org[3].data_type == "n" and Decimal(str(org[3].value)) == Decimal("30.00")
    assert org[3].number_format == "#,##0.00"
    assert org[9].is_date and org[9].value.date() == dt.date(2026, 9, 1)
    assert not any(c.data_type == "f" for row in rows for c in row)


def test_the_filters_narrow_the_rows_and_survive_into_the_export_links(client, staff, world):
    client.force_login(staff["Accountant"])
    building = world.p.alice_account.premises.building
    url = reverse("admin:report", args=["debtors"])
    page = client.get(url, {"period": "2026-10", "building": building.pk}).content.decode()
    assert "100001" in page and "100002" not in page
    assert f"building={building.pk}&amp;export=csv" in page
    response = client.get(url, {"period": "2026-10", "street": "Saules iela", "export": "csv"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith("100002;")
    # A month with nothing: the page says so.
    assert "Nothing for these filters." in client.get(url, {"period": "2020-01"}).content.decode()
    # A form it cannot read: the current month, not an error.
    assert client.get(url, {"period": "soon"}).status_code == 200


def test_a_long_report_shows_its_first_rows_and_the_totals_of_all(client, staff, world, monkeypatch):
    from kabinet.office.reports import views

    monkeypatch.setattr(views, "PAGE_ROWS", 2)
    client.force_login(staff["Accountant"])
    page = client.get(reverse("admin:report", args=["debtors"]), {"period": "2026-10"}).content.decode()
    assert "The first 2 rows of 3" in page
    table = page.split('id="report"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 2 + 1  # the header, two rows, the totals
