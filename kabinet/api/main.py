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
        "Customer portal API: accounts, meters, readings, invoices, payments. Every error answers "
        'one shape: {"code", "message", "field", "errors"} (ErrorOut).'
    ),
)
errors.install(api)


api.add_router("/readings/", "kabinet.api.readings.router")


@api.get("/health", auth=None, tags=["meta"])
def health(request: HttpRequest) -> dict:
    return {"status": "ok"}
