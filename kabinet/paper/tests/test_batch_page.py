"""The back office's paper receipts page: who may start, see and download, the link on
the run's page, and a bounded number of queries however many bundles there are."""

import pytest
from django.urls import reverse

from kabinet.paper import services
from kabinet.paper.models import PrintBatch, PrintBundle
from kabinet.test import role_logins


@pytest.fixture
def staff(personas):
    """One login per role that matters here, as the migrations made the groups."""
    return role_logins(("Accountant", "Administrator", "Auditor", "Operator", "Customer service"))


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def page(run):
    return reverse("admin:paper_printbatch_run", args=[run.pk])


@pytest.mark.parametrize("role", ["Accountant", "Administrator"])
def test_an_accountant_or_administrator_starts_the_batch_and_downloads_it(client, paper, staff, role):
    client.force_login(staff[role])

    response = client.post(page(paper.run))

    assert response.status_code == 302
    batch = PrintBatch.objects.get(run=paper.run)
    assert batch.created_by == staff[role] and batch.status == "done"
    shown = client.get(page(paper.run)).content.decode()
    assert "7 of 7 receipts printed" in shown and "Rīgas iela 5, Daugavpils" in shown
    pdf = client.get(reverse("admin:paper_printbatch_bundle", args=[batch.pk, 2]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    manifest = client.get(reverse("admin:paper_printbatch_manifest", args=[batch.pk]))
    assert manifest.status_code == 200 and "attachment" in manifest["Content-Disposition"]


def test_the_auditor_sees_and_downloads_but_cannot_start(client, paper, staff):
    client.force_login(staff["Auditor"])

    assert "Print the paper receipts" not in client.get(page(paper.run)).content.decode()
    assert client.post(page(paper.run)).status_code == 403
    assert not PrintBatch.objects.exists()
    batch = services.print_batch(run=paper.run)
    assert client.get(reverse("admin:paper_printbatch_bundle", args=[batch.pk, 1])).status_code == 200


@pytest.mark.parametrize("role", ["Operator", "Customer service"])
def test_other_roles_are_refused_every_door(client, paper, staff, role):
    batch = services.print_batch(run=paper.run)
    client.force_login(staff[role])

    for url in (
        page(paper.run),
        reverse("admin:paper_printbatch_bundle", args=[batch.pk, 1]),
        reverse("admin:paper_printbatch_manifest", args=[batch.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(page(paper.run)).status_code == 403


def test_anonymous_is_sent_to_the_login_page_and_files_have_no_public_url(client, paper):
    batch = services.print_batch(run=paper.run)

    response = client.get(reverse("admin:paper_printbatch_bundle", args=[batch.pk, 1]))

    assert response.status_code == 302 and "/login/" in response["Location"]
    assert batch.manifest.name.startswith("paper/")
    with pytest.raises(ValueError):
        _ = batch.manifest.url


def test_the_published_runs_page_links_to_its_paper_receipts(client, paper, staff):
    client.force_login(staff["Accountant"])

    shown = client.get(reverse("admin:billing_billingrun_change", args=[paper.run.pk])).content.decode()

    assert page(paper.run) in shown
    client.force_login(staff["Operator"])
    assert (
        page(paper.run)
        not in client.get(reverse("admin:billing_billingrun_change", args=[paper.run.pk])).content.decode()
    )


def test_the_start_page_counts_the_receipts_to_print(client, paper, staff):
    client.force_login(staff["Accountant"])

    shown = client.get(page(paper.run)).content.decode()

    assert "7 receipts will be printed." in shown and "Print the paper receipts" in shown


def test_the_batch_page_runs_a_bounded_number_of_queries(client, paper, staff, django_assert_max_num_queries):
    batch = services.print_batch(run=paper.run)
    client.force_login(staff["Accountant"])
    client.get(page(paper.run))
    with django_assert_max_num_queries(12) as few:
        client.get(page(paper.run))
    # Many more bundles: the same number of queries.
    PrintBundle.objects.bulk_create(
        [
            PrintBundle(
                batch=batch,
                number=n,
                building_id=batch.bundles.first().building_id,
                address=f"Street {n}",
                receipt_count=1,
            )
            for n in range(10, 60)
        ]
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(page(paper.run))
    assert "Street 59" in response.content.decode()
