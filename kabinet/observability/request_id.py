"""The request id: one token per request, in its response's X-Request-ID header, in every log
record written while it is handled, and in the Celery tasks it queues.

A contextvar rather than a thread-local: it follows the code into `asyncio` and is restored
by Celery's signals in the worker (kabinet/celery.py), so a task's log lines carry the id of
the request that queued it.
"""

import os
import re
from contextvars import ContextVar, Token

HEADER = "X-Request-ID"
# The Celery message header that carries it (protocol 2 headers reach `task.request`).
TASK_HEADER = "kabinet_request_id"

# An id from a proxy or a client is kept only if it is a plain token: it is written into log
# lines and a response header, so no spaces, quotes, newlines or anything overlong.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=-]{0,127}")

_current: ContextVar[str | None] = ContextVar("kabinet_request_id", default=None)


def is_sane(value: str | None) -> bool:
    return bool(value) and _SANE.fullmatch(value) is not None


def new_request_id() -> str:
    """32 random hex digits (a UUID4's worth of randomness, a quarter of its cost)."""
    return os.urandom(16).hex()


def request_id_from_header(value: str | None) -> str:
    """The incoming id if it is sane, else a new one."""
    return value if is_sane(value) else new_request_id()


def current_request_id() -> str | None:
    return _current.get()


def request_id_set(value: str | None) -> Token:
    return _current.set(value)


def request_id_reset(token: Token) -> None:
    _current.reset(token)


# --- Celery: carried in the message headers (connected in kabinet/celery.py) -----------------


def task_headers_add(headers: dict | None) -> None:
    """before_task_publish: the current request's id goes with the message."""
    value = _current.get()
    if value and headers is not None and TASK_HEADER not in headers:
        headers[TASK_HEADER] = value


def task_request_id_restore(task) -> None:
    """task_prerun: the id the message carries becomes the current one while the task runs.
    An eager task (the demo, tests) runs inside the request and keeps the request's id."""
    request = getattr(task, "request", None)
    value = getattr(request, TASK_HEADER, None)
    if is_sane(value):
        request._kabinet_request_id_token = _current.set(value)


def task_request_id_forget(task) -> None:
    """task_postrun: the worker's next task starts without it."""
    request = getattr(task, "request", None)
    token = getattr(request, "_kabinet_request_id_token", None)
    if token is not None:
        del request._kabinet_request_id_token
        _current.reset(token)
