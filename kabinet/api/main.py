"""The REST API for the mobile app, versioned by path: /api/v1/.

One router module per domain (api/<domain>.py), schemas next to their handlers; the
handlers are thin doors onto the same services the portal uses. ApplicationError becomes
a 4xx JSON body {"code": ..., "message": ...}.
"""

from django.http import HttpRequest
from ninja import NinjaAPI

from kabinet.utility.exceptions import ApplicationError

api = NinjaAPI(
    title="Kabinet API",
    version="1",
    urls_namespace="api-v1",
    description="Customer portal API: accounts, meters, readings, invoices, payments.",
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError):
    return api.create_response(
        request,
        {"code": exc.code, "message": str(exc.message), "field": exc.field, **exc.extra},
        status=400,
    )


api.add_router("/readings/", "kabinet.api.readings.router")


@api.get("/health", auth=None, tags=["meta"])
def health(request: HttpRequest) -> dict:
    return {"status": "ok"}
