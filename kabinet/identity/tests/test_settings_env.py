"""OIDC_PROVIDERS from the environment, as kabinet/settings.py reads it (a fresh process)."""

import json
import os
import subprocess  # nosec B404 - runs this project's own settings module
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def settings_in(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "import json, kabinet.settings as s; print(json.dumps(s.OIDC_PROVIDERS))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    return subprocess.run(  # nosec B603 - fixed arguments
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_it_reads_each_provider_with_its_secret_from_a_file(tmp_path):
    secret = tmp_path / "bank-secret"
    secret.write_text("s3cr3t-from-file\n")
    result = settings_in(
        {
            "OIDC_PROVIDERS": "bank, esia-gw",
            "OIDC_BANK_NAME": "Swedbank",
            "OIDC_BANK_ISSUER": "https://broker.example.lv",
            "OIDC_BANK_CLIENT_ID": "kabinet",
            "OIDC_BANK_CLIENT_SECRET_FILE": str(secret),
            "OIDC_BANK_ACR_VALUES": "urn:example:bank",
            "OIDC_ESIA_GW_NAME": "Госуслуги",
            "OIDC_ESIA_GW_DISCOVERY_URL": "https://esia-gw.example.ru/realms/esia/.well-known/openid-configuration",
            "OIDC_ESIA_GW_CLIENT_ID": "kabinet",
            "OIDC_ESIA_GW_SCOPES": "openid fullname",
        }
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(found) == ["bank", "esia-gw"]
    assert found["bank"]["client_secret"] == "s3cr3t-from-file"
    assert found["bank"]["scopes"] == "openid" and found["bank"]["acr_values"] == "urn:example:bank"
    assert found["esia-gw"]["name"] == "Госуслуги" and found["esia-gw"]["issuer"] == ""
    assert found["esia-gw"]["scopes"] == "openid fullname"


def test_it_is_off_by_default():
    result = settings_in({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "{}"


def test_a_provider_without_a_client_id_stops_the_start():
    result = settings_in({"OIDC_PROVIDERS": "bank", "OIDC_BANK_ISSUER": "https://broker.example.lv"})
    assert result.returncode != 0
    assert "OIDC_BANK_ISSUER and OIDC_BANK_CLIENT_ID" in result.stderr
