"""`make run` serves the demo where the e-mails' links point."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_it_serves_the_demo_with_links_to_its_own_address():
    out = subprocess.run(
        ["make", "-n", "run", "HOST=127.0.0.1", "PORT=8101"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (serve,) = [line for line in out.splitlines() if "manage.py runserver" in line]
    # Activation and password reset links (settings.SITE_URL) lead back to this server.
    assert "SITE_URL=http://127.0.0.1:8101 " in serve
    assert serve.endswith("runserver 127.0.0.1:8101")
