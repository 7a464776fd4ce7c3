"""Production configuration: loud failure when misconfigured, a clean `check --deploy` when not.

Settings are read once per process, so each case starts manage.py in a subprocess with its
own environment.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from kabinet.settings import DEFAULT_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
# Cleared so the developer's environment cannot leak in: what settings.py reads, and the
# browser fixture's DJANGO_ALLOW_ASYNC_UNSAFE (check --deploy rightly refuses it).
CLEARED = (
    "DATABASE_URL",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "ALLOWED_HOSTS",
    "DEBUG",
    "REDIS_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "PAYMENT_PROVIDER",
    "UNSAFE_PAYMENTS_SANDBOX_IN_PRODUCTION",
)


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.startswith("PYTEST")}
    clean.update({"KABINET_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "kabinet.settings", **env})
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    result = manage(tmp_path, "check", DEBUG="0", ALLOWED_HOSTS="kabinet.example")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG is off: set SECRET_KEY (or SECRET_KEY_FILE) to a real secret." in result.stderr


def test_it_refuses_the_demo_secret_key_when_debug_is_off(tmp_path):
    result = manage(tmp_path, "check", DEBUG="0", SECRET_KEY=DEFAULT_SECRET_KEY, ALLOWED_HOSTS="kabinet.example")
    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_it_refuses_to_start_without_allowed_hosts_when_debug_is_off(tmp_path):
    result = manage(tmp_path, "check", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "set ALLOWED_HOSTS" in result.stderr


def test_it_passes_the_deployment_checklist_with_production_settings(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text(secrets.token_urlsafe(50) + "\n")
    result = manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY_FILE=str(secret),
        ALLOWED_HOSTS="kabinet.example",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_it_starts_in_demo_mode_without_any_configuration(tmp_path):
    result = manage(tmp_path, "check")
    assert result.returncode == 0, result.stderr


def production(**env: str) -> dict[str, str]:
    return {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "kabinet.example", **env}


def test_it_refuses_the_payment_sandbox_in_production(tmp_path):
    # The sandbox credits an account when the customer clicks "pay": no money moves.
    result = manage(tmp_path, "check", **production(PAYMENT_PROVIDER="sandbox"))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "UNSAFE_PAYMENTS_SANDBOX_IN_PRODUCTION=1" in result.stderr


def test_it_runs_production_without_online_payments_by_default(tmp_path):
    result = manage(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings; print(repr(settings.PAYMENT_PROVIDER))",
        **production(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "''"


def test_it_reports_a_staging_sandbox_in_the_deployment_checklist(tmp_path):
    result = manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **production(PAYMENT_PROVIDER="sandbox", UNSAFE_PAYMENTS_SANDBOX_IN_PRODUCTION="1"),
    )
    assert result.returncode != 0
    assert "kabinet.payments.W001" in result.stderr + result.stdout
    assert "credit their accounts without paying" in result.stderr + result.stdout


def test_it_refuses_an_unknown_payment_provider(tmp_path):
    result = manage(tmp_path, "check", PAYMENT_PROVIDER="paypal")
    assert result.returncode != 0
    assert "PAYMENT_PROVIDER='paypal'" in result.stderr


def test_every_cookie_is_secure_in_production(tmp_path):
    names = "SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE LANGUAGE_COOKIE_SECURE LANGUAGE_COOKIE_HTTPONLY"
    code = f"from django.conf import settings; print([getattr(settings, n) for n in {names.split()!r}])"
    result = manage(tmp_path, "shell", "-c", code, **production())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[True, True, True, True]"
