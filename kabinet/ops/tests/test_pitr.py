"""Point-in-time recovery as README "Backups" describes it, rehearsed by deploy/backup/pitr-drill
on a throwaway PostgreSQL cluster: the shipped archive_command, the base backup script, and
the recovery steps bring back exactly the rows written before the target time."""

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from kabinet.ops.tests.processes import free_port

ROOT = Path(__file__).resolve().parents[3]
INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


def _as_postgres() -> list[str]:
    """initdb refuses root: as root, the drill runs as the postgres user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root without a postgres user to run initdb as")
    if not shutil.which("runuser"):
        pytest.skip("running as root without runuser")
    return ["runuser", "-u", "postgres", "--"]


@pytest.mark.skipif(not INITDB, reason="needs PostgreSQL's server binaries (Debian's postgresql package)")
def test_it_recovers_the_rows_written_before_the_target_time():
    if connection.vendor != "postgresql":
        pytest.skip("runs once, in the suite's PostgreSQL pass (its own cluster, not the suite's database)")
    argv = [*_as_postgres(), "env", f"PITR_PORT={free_port()}", str(ROOT / "deploy" / "backup" / "pitr-drill")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180, cwd="/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PITR drill passed" in done.stdout
    # Everything written up to the target, none of the later DELETE.
    assert "expected 2000 rows, 2501250.00, recovered 2000 rows, 2501250.00" in done.stdout
