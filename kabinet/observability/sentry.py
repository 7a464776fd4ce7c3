"""Error reporting through Sentry's SDK (or a compatible server: GlitchTip, self-hosted
Sentry), switched on by SENTRY_DSN and off without it (settings.py calls `sentry_init`).

No personal data leaves: send_default_pii=False keeps out the user's e-mail, IP address,
cookies and request bodies; the request id goes along as a tag, so an error report leads to
the request's log lines.
"""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from kabinet.observability.request_id import current_request_id


def _tag_request_id(event, hint):
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def sentry_init(*, dsn: str, environment: str, release: str, traces_sample_rate: float = 0.0, **options) -> None:
    """`options` reach sentry_sdk.init as they are (the tests pass a transport)."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        before_send=_tag_request_id,
        integrations=[
            DjangoIntegration(),
            # Errors of tasks, including the periodic jobs that also mail the staff.
            CeleryIntegration(),
            # logger.error/exception become events; the rest stays in the logs.
            LoggingIntegration(event_level="ERROR"),
        ],
        **options,
    )
