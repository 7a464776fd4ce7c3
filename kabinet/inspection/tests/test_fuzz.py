"""Whatever the inspector's phone posts (a stale page, a queued form from an older version,
a broken upload), a stop is recorded or refused with its reasons: never a server error."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.inspection.models import ControlCheck

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

texts = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=20)
values = st.one_of(texts, st.sampled_from(["135", "135,5", "-1", "1e9", "99999999999999999999", "0x10", "١٢٣", "²"]))
names = st.one_of(
    st.builds(
        lambda m, kind: f"{kind}_{m}",
        st.sampled_from(["{cold}", "{hot}", "1", "²", "٣", "99999999999999999999", ""]),
        st.sampled_from(["value", "seal_broken", "damaged", "note", "photo"]),
    ),
    texts,
)


@FUZZ
@given(
    fields=st.dictionaries(names, values, max_size=6),
    outcome=st.one_of(st.sampled_from(["done", "no_access", "refused", ""]), texts),
    key=st.one_of(st.just(""), texts, st.uuids().map(str)),
    taken_at=st.one_of(st.just(""), texts, st.datetimes().map(lambda d: d.isoformat())),
    upload=st.one_of(st.none(), st.binary(max_size=200)),
)
def test_any_stop_post_is_recorded_or_refused_never_a_server_error(
    rounds, client, fields, outcome, key, taken_at, upload
):
    client.force_login(rounds.ivars)
    meters = {"{cold}": str(rounds.alice_cold.pk), "{hot}": str(rounds.alice_hot.pk)}
    data = {}
    for name, value in fields.items():
        for placeholder, pk in meters.items():
            name = name.replace(placeholder, pk)
        data[name] = value
    data.update(outcome=outcome, client_uuid=key, taken_at=taken_at)
    if upload is not None:
        data[f"photo_{rounds.alice_cold.pk}"] = SimpleUploadedFile("meter.jpg", upload, content_type="image/jpeg")
        data.setdefault(f"value_{rounds.alice_cold.pk}", "")
    response = client.post(reverse("inspection:stop", args=[rounds.alice_stop.pk]), data)
    assert response.status_code in (302, 400), response.status_code
    assert all(c.stop_id == rounds.alice_stop.pk for c in ControlCheck.objects.all())


def test_a_meter_field_with_a_digit_that_is_not_ascii_is_no_meter(rounds, client):
    """ "value_²" passes str.isdigit() but not int(): it is no meter of the stop."""
    client.force_login(rounds.ivars)
    data = {"value_²": "1", "value_٣": "2", "outcome": "done", "client_uuid": str(uuid.uuid4())}
    response = client.post(reverse("inspection:stop", args=[rounds.alice_stop.pk]), data)
    assert response.status_code in (302, 400)
