"""Log lines: JSON objects one a line in production, text in development."""

import copy
import io
import json
import logging
import logging.config
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from kabinet.observability.request_id import request_id_reset, request_id_set

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def console():
    """settings.LOGGING's console handler in the given format, writing to a buffer."""
    created = []

    def make(log_format: str) -> tuple[logging.Logger, io.StringIO]:
        # A copy: DictConfigurator pops "()" out of the specs it is given.
        config = {**copy.deepcopy(settings.LOGGING), "root": {"handlers": []}, "loggers": {}}
        config["handlers"] = {"console": {**settings.LOGGING["handlers"]["console"], "formatter": log_format}}
        config["incremental"] = False
        config["disable_existing_loggers"] = False
        factory = logging.config.DictConfigurator(config)
        formatter = factory.configure_formatter(config["formatters"][log_format])
        handler = logging.StreamHandler(buffer := io.StringIO())
        handler.setFormatter(formatter)
        for spec in config["filters"].values():
            handler.addFilter(factory.configure_filter(spec))
        logger = logging.getLogger(f"kabinet.observability.tests.{log_format}")
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        created.append((logger, handler))
        return logger, buffer

    yield make
    for logger, handler in created:
        logger.removeHandler(handler)


def test_a_json_line_holds_the_fields_a_shipper_reads(console):
    logger, buffer = console("json")
    token = request_id_set("req-json-1")
    try:
        logger.info("GET %s %s", "/invoices/", 200, extra={"path": "/invoices/", "status": 200, "user_id": 7})
    finally:
        request_id_reset(token)
    (line,) = buffer.getvalue().splitlines()
    record = json.loads(line)
    assert list(record)[:5] == ["time", "level", "logger", "message", "request_id"]
    assert record["level"] == "INFO" and record["logger"] == logger.name
    assert record["message"] == "GET /invoices/ 200"
    assert record["request_id"] == "req-json-1"
    assert (record["path"], record["status"], record["user_id"]) == ("/invoices/", 200, 7)
    assert record["time"].endswith("+00:00") and "T" in record["time"]


def test_an_exception_stays_on_its_line(console):
    logger, buffer = console("json")
    try:
        raise ValueError("line one\nline two")
    except ValueError:
        logger.exception("it broke")
    (line,) = buffer.getvalue().splitlines()
    record = json.loads(line)
    assert record["request_id"] is None
    assert "ValueError: line one\nline two" in record["exc_info"]


def test_a_text_line_names_the_request(console):
    logger, buffer = console("text")
    token = request_id_set("req-text-1")
    try:
        logger.warning("careful")
    finally:
        request_id_reset(token)
    assert buffer.getvalue().rstrip().endswith("WARNING kabinet.observability.tests.text [req-text-1] careful")


# --- LOG_FORMAT, as a fresh process reads it --------------------------------------------------


def settings_in_a_process(**env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "LOG_", "DEBUG"))}
    environ.update(env, DJANGO_SETTINGS_MODULE="kabinet.settings", KABINET_VAR_DIR=env.get("KABINET_VAR_DIR", "/tmp"))
    code = (
        "import django, logging, sys; django.setup(); from django.conf import settings; "
        "print(settings.LOG_FORMAT); logging.getLogger('kabinet.observability').warning('hello')"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True)


def test_production_logs_json_and_development_text(tmp_path):
    production = settings_in_a_process(
        DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="kabinet.example.lv", KABINET_VAR_DIR=str(tmp_path)
    )
    assert production.stdout.strip() == "json", production.stderr
    assert json.loads(production.stderr.strip().splitlines()[-1])["message"] == "hello"
    development = settings_in_a_process(DEBUG="1", KABINET_VAR_DIR=str(tmp_path))
    assert development.stdout.strip() == "text"
    assert development.stderr.strip().endswith("WARNING kabinet.observability [None] hello")


def test_an_unknown_format_is_refused_at_start(tmp_path):
    result = settings_in_a_process(LOG_FORMAT="xml", KABINET_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "LOG_FORMAT='xml': use json or text." in result.stderr
