"""The request id: in the response, in the request's log records, in the tasks it queues."""

import logging
import re
import threading

import pytest
import redis
from celery import Celery, shared_task
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from kabinet.observability.logs import RequestIdFilter
from kabinet.observability.request_id import (
    TASK_HEADER,
    current_request_id,
    is_sane,
    request_id_from_header,
    request_id_reset,
    request_id_set,
)

GENERATED = re.compile(r"[0-9a-f]{32}")
REDIS_TEST_URL = "redis://127.0.0.1:6379/14"
task_log = logging.getLogger("kabinet.observability.tests.task")


class Records(logging.Handler):
    """A handler like the console one of settings.LOGGING: with the request id filter."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def of(self, logger: str) -> list[logging.LogRecord]:
        return [r for r in self.records if r.name == logger]


@pytest.fixture
def records():
    handler = Records()
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    task_log.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(saved)


@pytest.mark.parametrize("value", ["abc", "0f8fad5b-d9cb-469f-a165-70867728950e", "lb-1:req.42_x+y=", "A" * 128])
def test_it_keeps_a_sane_incoming_id(value):
    assert is_sane(value) and request_id_from_header(value) == value


@pytest.mark.parametrize("value", [None, "", "a b", "abc\n", 'x"y', "<script>", "A" * 129, "-leading", "ид"])
def test_it_replaces_anything_else(value):
    assert not is_sane(value)
    assert GENERATED.fullmatch(request_id_from_header(value))


def test_a_response_carries_a_new_id(client, personas):
    first = client.get(reverse("portal:login"))
    second = client.get(reverse("portal:login"))
    assert first.status_code == 200
    assert GENERATED.fullmatch(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_response_carries_the_proxys_id_back(client, personas):
    response = client.get(reverse("portal:login"), HTTP_X_REQUEST_ID="nginx-7f3a9c")
    assert response["X-Request-ID"] == "nginx-7f3a9c"


def test_a_forged_id_is_not_echoed(client, personas):
    response = client.get(reverse("portal:login"), HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")
    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_every_record_of_the_request_carries_its_id(client, personas, records):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-404")
    assert response.status_code == 404
    django_404 = records.of("django.request")
    assert django_404 and {r.request_id for r in django_404} == {"req-404"}
    (line,) = records.of("kabinet.request")
    assert (line.request_id, line.method, line.path, line.status, line.user_id) == (
        "req-404",
        "GET",
        "/no-such-page/",
        404,
        None,
    )
    assert line.duration_ms >= 0
    assert current_request_id() is None  # and it is gone after the request


def test_the_request_line_names_the_signed_in_user(client, personas, records):
    client.force_login(personas.alice)
    assert client.get(reverse("portal:dashboard")).status_code == 200
    (line,) = records.of("kabinet.request")
    assert line.user_id == personas.alice.pk


def test_an_anonymous_request_is_not_made_to_read_a_session_for_the_log(client, personas, records):
    client.get(reverse("portal:login"))
    (line,) = records.of("kabinet.request")
    assert line.user_id is None


# --- Celery -----------------------------------------------------------------------------------


@shared_task(name="kabinet.observability.tests.log_something")
def log_something(text: str) -> str | None:
    task_log.info("task says %s", text)
    return current_request_id()


def test_an_eager_task_logs_with_the_request_id(records):
    token = request_id_set("req-eager")
    try:
        assert log_something.delay("hello").get() == "req-eager"
    finally:
        request_id_reset(token)
    (record,) = records.of(task_log.name)
    assert record.request_id == "req-eager"


@pytest.fixture
def redis_app():
    """A Celery app on a real Redis broker, its worker in a thread (no eager shortcut)."""
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    client.flushdb()
    app = Celery("obs-test", broker=REDIS_TEST_URL, set_as_current=False)
    app.conf.task_always_eager = False
    app.conf.worker_hijack_root_logger = False
    done = threading.Event()
    seen = {}

    @app.task(name="obs-test.log_something")
    def remote(text):
        task_log.info("worker says %s", text)
        seen["request_id"] = current_request_id()
        seen["header"] = getattr(remote.request, TASK_HEADER, None)
        done.set()

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield remote, done, seen
    client.flushdb()
    client.close()


def test_a_task_run_by_a_worker_logs_with_the_id_of_the_request_that_queued_it(redis_app, records):
    remote, done, seen = redis_app
    token = request_id_set("req-queued-1")
    try:
        remote.delay("hello")
    finally:
        request_id_reset(token)
    assert done.wait(20), "the worker did not run the task"
    assert seen == {"request_id": "req-queued-1", "header": "req-queued-1"}
    (record,) = records.of(task_log.name)
    assert record.request_id == "req-queued-1"
    assert record.thread != threading.get_ident()  # logged by the worker, not by this thread
