"""The systemd units are hardened, and the compose file runs the same command lines."""

import re
import shlex
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = ["kabinet-web", "kabinet-worker", "kabinet-beat"]
HARDENING = [
    "NoNewPrivileges=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "ReadWritePaths=/var/lib/kabinet",
    "CapabilityBoundingSet=",
    "User=kabinet",
    "EnvironmentFile=/etc/kabinet/kabinet.env",
]


def exec_start(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / f"{unit}.service").read_text()
    return shlex.split(re.search(r"^ExecStart=(.+)$", text, re.MULTILINE).group(1))


@pytest.mark.parametrize("unit", UNITS)
def test_every_unit_is_hardened(unit):
    lines = (DEPLOY / "systemd" / f"{unit}.service").read_text().splitlines()
    assert [option for option in HARDENING if option not in lines] == []


def test_compose_runs_the_units_command_lines():
    yaml = pytest.importorskip("yaml")
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    for unit, service in [("kabinet-web", "app"), ("kabinet-worker", "worker"), ("kabinet-beat", "beat")]:
        program, *args = exec_start(unit)
        assert program == f"/opt/kabinet/.venv/bin/{services[service]['command'][0]}"
        assert services[service]["command"][1:] == args, service
    assert services["nginx"]["network_mode"] == "service:app"  # nginx.conf's upstream is 127.0.0.1:8000
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["nginx"]["volumes"]
    assert {"db", "redis", "app", "worker", "beat", "nginx"} <= set(services)


def test_the_image_runs_as_a_user_and_collects_static_files():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert re.search(r"^USER kabinet$", dockerfile, re.MULTILINE)
    assert "collectstatic --noinput" in dockerfile
