"""The shipped nginx configuration is valid and refuses the same bodies as the app."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
UNITS = {"k": 1024, "m": 1024 * 1024}


def nginx_limits() -> dict[str, int]:
    """{location prefix: client_max_body_size in bytes}; "" is the server's own."""
    text = CONF.read_text()
    limits = {}
    server_level = re.search(r"server \{[^}]*?listen 443.*?client_max_body_size (\d+)([km])", text, re.DOTALL)
    limits[""] = int(server_level.group(1)) * UNITS[server_level.group(2)]
    for location, body in re.findall(r"location (?:= )?(/\S*) \{([^}]*)\}", text):
        size = re.search(r"client_max_body_size (\d+)([km])", body)
        if size:
            limits[location] = int(size.group(1)) * UNITS[size.group(2)]
    return limits


def test_nginx_and_the_app_refuse_the_same_bodies():
    limits = nginx_limits()
    assert limits.pop("") == settings.REQUEST_BODY_DEFAULT_LIMIT
    assert limits == settings.REQUEST_BODY_LIMITS


@pytest.mark.skipif(not shutil.which("nginx"), reason="needs nginx (Debian's nginx-light) to check the syntax")
def test_the_configuration_is_valid_nginx(tmp_path):
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            tmp_path / "key.pem",
            "-out",
            tmp_path / "cert.pem",
        ],
        check=True,
        capture_output=True,
    )
    site = CONF.read_text()
    site = site.replace("/etc/letsencrypt/live/kabinet.example.lv/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/kabinet.example.lv/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "main.conf").write_text(
        f"pid {tmp_path}/pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "main.conf")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
