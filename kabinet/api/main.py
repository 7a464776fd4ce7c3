"""The REST API for the mobile app, versioned by path: /api/v1/.

One router module per domain (api/<domain>.py), schemas next to their handlers; the
handlers are thin doors onto the same services the portal uses. ApplicationError becomes
a 4xx JSON body {"code": ..., "message": ...}.
"""

from django.http import HttpRequest
from ninja import NinjaAPI

from kabinet.api import errors
from kabinet.api.throttles import api_throttles


class KabinetAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        return errors.document(super().get_openapi_schema(*args, **kwargs))


api = KabinetAPI(
    title="Kabinet API",
    version="1",
    urls_namespace="api-v1",
    throttle=api_throttles(),
    description=(
        "The customer's portal as an API: accounts, meters, readings, invoices, payments, service "
        "requests, news and outages, messages, notification settings, household, personal tokens. "
        "Authenticate with `Authorization: Bearer kab_…` (a personal token from the portal) or the "
        "portal's session. Every error answers one shape: "
        '{"code", "message", "field", "errors"} (ErrorOut), its message in the `Accept-Language` asked '
        "for. Lists are paged (`limit`, `offset`) and answer an `ETag` (send `If-None-Match`); "
        "every POST takes an `Idempotency-Key`."
    ),
)
errors.install(api)


api.add_router("/readings/", "kabinet.api.readings.router")
api.add_router("/accounts/", "kabinet.api.accounts.router")
api.add_router("/", "kabinet.api.billing.router")
api.add_router("/payments/", "kabinet.api.payments.router")
api.add_router("/autopay/", "kabinet.api.autopay.router")
api.add_router("/requests/", "kabinet.api.requests.router")
api.add_router("/", "kabinet.api.news.router")
api.add_router("/messages/", "kabinet.api.messages.router")
api.add_router("/settings/", "kabinet.api.settings.router")
api.add_router("/household/", "kabinet.api.household.router")
api.add_router("/tokens/", "kabinet.api.tokens.router")


@api.get("/health", auth=None, tags=["meta"])
def health(request: HttpRequest) -> dict:
    return {"status": "ok"}
