"""`manage.py backup` and `manage.py restore_drill` against the real PostgreSQL: a dump of
the demo utility, restored into a scratch database, compared with the source.

Transactional tests: pg_dump is another process and sees committed rows only."""

import io
import json
import os
import re
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum

from kabinet.billing.models import LedgerEntry
from kabinet.demo.services import demo_seed
from kabinet.ops import backup
from kabinet.ops.tests.processes import database_url
from kabinet.payments.models import Payment

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore need PostgreSQL: run with DATABASE_URL=postgres://…")


@pytest.fixture
def uploads(settings, tmp_path):
    """A request photo and a news picture, where the settings keep uploads."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "private" / "requests" / "7").mkdir(parents=True)
    (tmp_path / "private" / "requests" / "7" / "leak.jpg").write_bytes(b"\xff\xd8" + b"x" * 5000)
    (tmp_path / "media" / "news").mkdir(parents=True)
    (tmp_path / "media" / "news" / "outage.png").write_bytes(b"\x89PNG" + b"y" * 3000)
    return tmp_path


@pytest.fixture
def demo(pg, transactional_db):
    demo_seed(preset="lv", accounts=12, random_seed=3)


def scratch_exists() -> bool:
    """Whether the drill's scratch database (named after the source and this process) is there."""
    scratch = f"{connection.settings_dict['NAME'][:40]}_drill_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch])
        return cursor.fetchone() is not None


def test_it_restores_the_latest_backup_with_the_same_rows_and_money(demo, uploads, tmp_path):
    target = tmp_path / "backups"
    out = io.StringIO()
    call_command("backup", "--dir", str(target), "--keep", "3", stdout=out)

    (manifest,) = target.glob("kabinet-*.json")
    data = json.loads(manifest.read_text())
    assert (target / data["dump"]).stat().st_size == data["dump_bytes"] > 0
    assert data["uploads_files"] == 2
    figures = data["figures"]
    ledger_total = LedgerEntry.objects.aggregate(s=Sum("amount"))["s"]
    assert figures["ledger"]["(all)"] == str(ledger_total)
    assert figures["payments"]["(all)"] == str(Payment.objects.aggregate(s=Sum("amount"))["s"])
    assert figures["rows"]["billing_invoice"] > 0

    out = io.StringIO()
    call_command("restore_drill", "--dir", str(target), stdout=out)
    assert "restore drill passed" in out.getvalue()
    assert f"ledger {ledger_total}" in out.getvalue()
    assert "uploaded files 2" in out.getvalue()
    assert not scratch_exists()  # dropped


def test_it_reports_a_restore_that_lost_a_row(demo, uploads, tmp_path, monkeypatch):
    target = tmp_path / "backups"
    call_command("backup", "--dir", str(target), stdout=io.StringIO())
    restore = backup.backup_restore

    def restore_losing_a_ledger_entry(*, backup, target):
        restore(backup=backup, target=target)
        with psycopg.connect(target.conninfo()) as conn:
            last_invoice_entry = "SELECT max(id) FROM billing_ledgerentry WHERE kind = 'invoice'"
            conn.execute(f"DELETE FROM billing_ledgerentry WHERE id = ({last_invoice_entry})")

    monkeypatch.setattr(backup, "backup_restore", restore_losing_a_ledger_entry)
    err = io.StringIO()
    with pytest.raises(CommandError, match="restore drill FAILED"):
        call_command("restore_drill", "--dir", str(target), stdout=io.StringIO(), stderr=err)
    report = err.getvalue()
    count = LedgerEntry.objects.count()
    assert f"rows: billing_ledgerentry has {count - 1} rows, the source {count}" in report
    assert "ledger: (all) sums to" in report
    assert "ledger: invoice sums to" in report
    assert not scratch_exists()


def test_it_reports_an_uploads_archive_that_lost_a_file(demo, uploads, tmp_path):
    target = tmp_path / "backups"
    call_command("backup", "--dir", str(target), stdout=io.StringIO())
    (manifest,) = target.glob("kabinet-*.json")
    data = json.loads(manifest.read_text())
    data["uploads_files"] = 3  # as if a photo had fallen out of the archive
    manifest.write_text(json.dumps(data))
    err = io.StringIO()
    with pytest.raises(CommandError, match="FAILED"):
        call_command("restore_drill", "--dir", str(target), stdout=io.StringIO(), stderr=err)
    assert "uploads: the archive holds 2 files" in err.getvalue()


def test_it_refuses_without_postgresql(db, tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is SQLite's")
    with pytest.raises(CommandError, match="need PostgreSQL"):
        call_command("backup", "--dir", str(tmp_path), stdout=io.StringIO())


def test_it_keeps_only_the_newest_complete_backups(tmp_path):
    for stamp in ("20261201T023000Z", "20261202T023000Z", "20261203T023000Z"):
        names = {"dump": f"kabinet-{stamp}.dump", "uploads": f"kabinet-{stamp}-uploads.tar.gz", "created": stamp}
        for name in (names["dump"], names["uploads"]):
            (tmp_path / name).write_bytes(b"x")
        (tmp_path / f"kabinet-{stamp}.json").write_text(json.dumps(names))
    (tmp_path / "kabinet-20261202T120000Z.dump.partial").write_bytes(b"x")  # a failed backup's leftover
    (tmp_path / "kabinet-20261204T023000Z.dump.partial").write_bytes(b"x")  # being written right now

    deleted = backup.backups_prune(directory=tmp_path, keep=2)

    assert [p.name for p in deleted] == [
        "kabinet-20261201T023000Z-uploads.tar.gz",
        "kabinet-20261201T023000Z.dump",
        "kabinet-20261201T023000Z.json",
        "kabinet-20261202T120000Z.dump.partial",
    ]
    assert [s.data["created"] for s in backup.backup_sets(tmp_path)] == ["20261202T023000Z", "20261203T023000Z"]


def test_figures_compare_names_every_difference():
    source = {"rows": {"a": 3, "b": 1}, "ledger": {"invoice": "10.00", "(all)": "10.00"}, "payments": {}}
    same = {"rows": {"a": 3, "b": 1}, "ledger": {"invoice": "10.0", "(all)": "10"}, "payments": {}}
    assert backup.figures_compare(source, same) == []
    worse = {"rows": {"a": 2}, "ledger": {"invoice": "9.00", "(all)": "9.00", "penalty": "1.00"}, "payments": {}}
    assert backup.figures_compare(source, worse) == [
        "rows: a has 2 rows, the source 3",
        "rows: b is missing from the restore (source: 1)",
        "ledger: (all) sums to 9.00, the source to 10.00",
        "ledger: invoice sums to 9.00, the source to 10.00",
        "ledger: penalty is in the restore but not in the source (1.00)",
    ]


def test_the_nightly_script_writes_a_complete_backup(demo, uploads, tmp_path):
    """deploy/backup/kabinet-backup, as kabinet-backup.service runs it, with the deployment's
    environment (BACKUP_DIR, BACKUP_KEEP from /etc/kabinet/kabinet.env)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "KABINET_HOME": str(ROOT),
        "DATABASE_URL": database_url(),
        "PRIVATE_MEDIA_ROOT": str(uploads / "private"),
        "KABINET_VAR_DIR": str(tmp_path / "var"),
        "BACKUP_DIR": str(tmp_path / "nightly"),
        "BACKUP_KEEP": "1",
    }
    nightly = tmp_path / "nightly"
    nightly.mkdir()
    old = {
        "created": "20200101T023000Z",
        "dump": "kabinet-20200101T023000Z.dump",
        "uploads": "kabinet-20200101T023000Z-uploads.tar.gz",
    }
    for name in (old["dump"], old["uploads"]):
        (nightly / name).write_bytes(b"x")
    (nightly / "kabinet-20200101T023000Z.json").write_text(json.dumps(old))

    done = subprocess.run([str(ROOT / "deploy" / "backup" / "kabinet-backup")], env=env, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    (only,) = backup.backup_sets(nightly)  # BACKUP_KEEP=1: the older set is gone
    assert only.data["figures"]["rows"]["billing_ledgerentry"] == LedgerEntry.objects.count()
    assert only.data["uploads_files"] == 1  # the request photo (PRIVATE_MEDIA_ROOT)
    assert sorted(p.name for p in nightly.iterdir()) == sorted([only.manifest.name, only.dump.name, only.uploads.name])


def test_the_backup_units_run_scripts_of_the_release():
    units = ROOT / "deploy" / "backup"
    services = sorted(units.glob("*.service"))
    assert [p.stem for p in services] == sorted(p.stem for p in units.glob("*.timer"))  # a timer per service
    for service in services:
        (start,) = re.findall(r"^ExecStart=(\S+)", service.read_text(), re.MULTILINE)
        script = ROOT / start.removeprefix("/opt/kabinet/")
        assert script.is_file() and os.access(script, os.X_OK), start
