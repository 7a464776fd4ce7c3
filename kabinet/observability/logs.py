"""Log records as one JSON object per line (LOG_FORMAT=json, production's default) or as
text (LOG_FORMAT=text, development's), both with the request id (settings.LOGGING).

A JSON line holds `time` (UTC, ISO 8601), `level`, `logger`, `message`, `request_id`, and
whatever the record's `extra` adds: the request log (kabinet.observability.middleware) adds
`method`, `path`, `status`, `duration_ms` and `user_id`. Log shippers (journald, Loki,
Elasticsearch) read it without a parsing rule of their own.
"""

import datetime as dt
import logging

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from kabinet.observability.request_id import current_request_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# Attributes some loggers attach that would only add noise or a URL's query string to the
# line: Django's request logger attaches the request object, runserver its socket.
_NOT_LOGGED = ("request", "socket", "server_time", "request_id_reset")


class RequestIdFilter(logging.Filter):
    """Gives every record the current request id (None outside a request or task). A filter
    on the handler, so that records of every library's loggers get it too."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("reserved_attrs", (*RESERVED_ATTRS, *_NOT_LOGGED))
        super().__init__("%(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)

    def add_fields(self, log_data, record, message_dict) -> None:
        # The time first, so that a line reads as it would in a text log.
        log_data["time"] = dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds")
        super().add_fields(log_data, record, message_dict)
