"""Sentry: off unless SENTRY_DSN is set; on, with Django and Celery, and no personal data."""

import json
import os
import subprocess
import sys
from pathlib import Path

import sentry_sdk

ROOT = Path(__file__).resolve().parents[3]

# Run in a fresh process with the environment below: settings.py initialises the SDK.
SCRIPT = r"""
import json, django
django.setup()
import sentry_sdk
from sentry_sdk.transport import Transport
from kabinet.observability.request_id import request_id_set

client = sentry_sdk.get_client()
events = []

class Recorder(Transport):
    # Stands in for the network: the events are kept, nothing is sent.
    def capture_envelope(self, envelope):
        events.extend(item.payload.json for item in envelope.items if item.payload.json)

if client.is_active():
    client.transport = Recorder(client.options)
    request_id_set("req-sentry-1")
    sentry_sdk.set_user({"id": 7})
    try:
        raise ValueError("the receipt did not render")
    except ValueError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush()
print(json.dumps({
    "active": client.is_active(),
    "options": {k: client.options.get(k) for k in ("environment", "release", "send_default_pii", "traces_sample_rate")},
    "integrations": sorted(client.integrations) if client.is_active() else [],
    "events": events,
}))
"""


def run(tmp_path, **env) -> dict:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "SENTRY_", "DJANGO_"))}
    environ.update(env, DJANGO_SETTINGS_MODULE="kabinet.settings", KABINET_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=environ, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_is_off_in_this_process_and_by_default(tmp_path):
    assert not sentry_sdk.get_client().is_active()
    assert run(tmp_path)["active"] is False


def test_a_dsn_turns_it_on_with_django_and_celery_and_no_personal_data(tmp_path):
    found = run(
        tmp_path,
        SENTRY_DSN="https://public@sentry.invalid/42",
        SENTRY_ENVIRONMENT="staging",
        SENTRY_RELEASE="kabinet@1.2.3",
    )
    assert found["active"] is True
    assert found["options"] == {
        "environment": "staging",
        "release": "kabinet@1.2.3",
        "send_default_pii": False,
        "traces_sample_rate": 0.0,
    }
    assert {"django", "celery", "logging"} <= set(found["integrations"])
    (event,) = found["events"]
    assert event["exception"]["values"][0]["value"] == "the receipt did not render"
    assert event["tags"]["request_id"] == "req-sentry-1"
    assert event["environment"] == "staging" and event["release"] == "kabinet@1.2.3"
    assert "ip_address" not in event.get("user", {})
