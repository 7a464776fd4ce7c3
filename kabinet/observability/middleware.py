"""The request id and the request log line (kabinet.observability.request_id, .logs).

Early in MIDDLEWARE, right after the health probes and /metrics (which stay cheap and
unlogged), so that every other middleware's log records carry the id. It is forgotten when
the response is finished (request_finished), not when this middleware returns: Django logs a
4xx or 5xx (`django.request`) after the whole middleware chain has returned.
"""

import logging
import time

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from kabinet.observability.request_id import HEADER, request_id_from_header, request_id_set

log = logging.getLogger("kabinet.request")
META_KEY = "HTTP_" + HEADER.upper().replace("-", "_")  # request.headers would build a dict of them all


def _user_id(request: HttpRequest) -> int | None:
    """The user's id if something during the request already looked the user up: asking
    here would read the session of every anonymous request just to log it."""
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return None
    return wrapped.pk


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from_header(request.META.get(META_KEY))
        request.request_id = request_id
        request_id_set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = request_id
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": _user_id(request),
            },
        )
        return response


def _request_id_forget(**kwargs) -> None:
    request_id_set(None)


request_finished.connect(_request_id_forget, dispatch_uid="kabinet.observability.request_id")
