"""Whatever comes back to the callback (a forged state, a code from elsewhere, a provider's
error of any shape, a doctored `next`), the sign-in is refused with a page, never a server
error, and nobody is signed in."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.identity.tests.conftest import at_provider, begin, query

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
texts = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40)
params = st.dictionaries(
    st.sampled_from(["state", "code", "error", "error_description", "iss", "session_state", "x"]), texts, max_size=5
)


@FUZZ
@given(sent=params, started=st.booleans())
def test_any_callback_is_refused_without_a_server_error(client, personas, providers, sent, started):
    if started:  # a sign-in is under way in this browser: its state is in the session
        begin(client, "citadele")
    response = client.get("/identity/citadele/callback/", sent)
    assert response.status_code < 500
    assert "_auth_user_id" not in client.session


@FUZZ
@given(code=texts)
def test_a_real_state_with_another_code_is_refused(client, personas, providers, code):
    back = query(at_provider(begin(client, "citadele"), "lv-citadele-0f3a9c"))
    response = client.get("/identity/citadele/callback/", {"state": back["state"], "code": code})
    assert response.status_code < 500
    assert "_auth_user_id" not in client.session


@FUZZ
@given(next_url=texts)
def test_any_next_on_the_start_is_taken_only_on_this_site(client, personas, providers, next_url):
    response = client.post("/identity/citadele/start/?next=" + next_url)
    assert response.status_code in (302, 400)
