"""Backups of the database and the uploads, and the drill that proves they restore.

A backup set is three files in the backup directory, named by the moment it was taken:

    kabinet-20261207T023000Z.dump           pg_dump -Fc (custom format: pg_restore -j, -t)
    kabinet-20261207T023000Z-uploads.tar.gz  PRIVATE_MEDIA_ROOT and MEDIA_ROOT
    kabinet-20261207T023000Z.json            the manifest, written last: a set without it is
                                             incomplete and ignored

The manifest holds the database's figures (rows per table, ledger sums per kind, payment
sums per status) counted in the very snapshot pg_dump dumps (an exported snapshot, so
a busy database gives exact figures), and the uploads' file count and size. The drill
restores the latest complete set into a scratch database and compares its figures with
the manifest's: a dump that restores but lost rows or money fails the drill.

PostgreSQL only: the demo's SQLite file is backed up by copying it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess  # nosec B404  # pg_dump and pg_restore: fixed argv, no shell
import tarfile
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql

from kabinet.billing.models import LedgerEntry
from kabinet.payments.models import Payment

PREFIX = "kabinet-"
STAMP = "%Y%m%dT%H%M%SZ"
NAME_RE = re.compile(r"^kabinet-(\d{8}T\d{6}Z)\.json$")
# pg_restore's parallel jobs: restoring the readings' and ledger's indexes dominates.
RESTORE_JOBS = 2


class BackupError(Exception):
    """A backup or drill that cannot go on (no PostgreSQL, no backup, a tool failed)."""


# --- where the database is ---------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Connection parameters of one database (the source, or the drill's scratch one)."""

    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    sslmode: str = ""

    @classmethod
    def default(cls) -> Target:
        if connection.vendor != "postgresql":
            raise BackupError("Backups need PostgreSQL (DATABASE_URL); the demo's SQLite file is copied instead.")
        db = settings.DATABASES["default"]
        return cls(
            name=db["NAME"],
            user=db.get("USER") or "",
            password=db.get("PASSWORD") or "",
            host=db.get("HOST") or "",
            port=str(db.get("PORT") or ""),
            sslmode=(db.get("OPTIONS") or {}).get("sslmode", ""),
        )

    def other(self, name: str) -> Target:
        return replace(self, name=name)

    def conninfo(self) -> str:
        parts = {"dbname": self.name, "user": self.user, "password": self.password, "host": self.host}
        parts.update(port=self.port, sslmode=self.sslmode)
        return psycopg.conninfo.make_conninfo(**{k: v for k, v in parts.items() if v})

    def env(self) -> dict[str, str]:
        """For pg_dump and pg_restore: the password in the environment, not on the command line."""
        env = {**os.environ, "PGDATABASE": self.name}
        pairs = {"PGUSER": self.user, "PGPASSWORD": self.password, "PGHOST": self.host, "PGPORT": self.port}
        pairs["PGSSLMODE"] = self.sslmode
        env.update({key: value for key, value in pairs.items() if value})
        return env


def _run(argv: list[str], target: Target) -> None:
    done = subprocess.run(argv, env=target.env(), capture_output=True, text=True, check=False)  # nosec B603
    if done.returncode:
        raise BackupError(f"{argv[0]} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


# --- the figures a restore must reproduce ------------------------------------------------


def database_figures(conn: psycopg.Connection) -> dict:
    """Rows per table, ledger sums per kind and payment sums per status, as strings
    (exact decimals in JSON). Counted in the connection's current transaction."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    ]
    rows = {}
    for table in tables:
        rows[table] = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
    return {
        "rows": rows,
        "ledger": _sums(conn, LedgerEntry._meta.db_table, "kind", tables),
        "payments": _sums(conn, Payment._meta.db_table, "status", tables),
    }


def _sums(conn: psycopg.Connection, table: str, key: str, tables: list[str]) -> dict[str, str]:
    if table not in tables:
        return {}
    query = sql.SQL("SELECT {key}, count(*), coalesce(sum(amount), 0) FROM {table} GROUP BY {key}").format(
        key=sql.Identifier(key), table=sql.Identifier(table)
    )
    sums: dict[str, str] = {}
    total = Decimal("0")
    for group, _count, amount in conn.execute(query):
        sums[str(group)] = str(amount)
        total += amount
    sums["(all)"] = str(total)
    return sums


def figures_compare(expected: dict, actual: dict) -> list[str]:
    """What differs between the source's figures and the restored database's; [] when
    the restore is complete. Pure: no database."""
    problems = []
    for section in ("rows", "ledger", "payments"):
        want, have = expected.get(section, {}), actual.get(section, {})
        for key in sorted(set(want) | set(have)):
            if key not in have:
                problems.append(f"{section}: {key} is missing from the restore (source: {want[key]})")
            elif key not in want:
                problems.append(f"{section}: {key} is in the restore but not in the source ({have[key]})")
            elif section == "rows" and want[key] != have[key]:
                problems.append(f"rows: {key} has {have[key]} rows, the source {want[key]}")
            elif section != "rows" and Decimal(want[key]) != Decimal(have[key]):
                problems.append(f"{section}: {key} sums to {have[key]}, the source to {want[key]}")
    return problems


# --- uploads -------------------------------------------------------------------------------


def upload_roots() -> dict[str, Path]:
    """The directories of uploaded files, by their name inside the archive."""
    return {"private": Path(settings.PRIVATE_MEDIA_ROOT), "media": Path(settings.MEDIA_ROOT)}


def uploads_archive(path: Path) -> tuple[int, int]:
    """Write every uploaded file into a tar.gz; returns (files, bytes)."""
    files = size = 0
    with tarfile.open(path, "w:gz") as tar:
        for arcname, root in upload_roots().items():
            if not root.is_dir():
                continue
            for file in sorted(root.rglob("*")):
                if file.is_file() and not file.is_symlink():
                    tar.add(file, arcname=f"{arcname}/{file.relative_to(root)}", recursive=False)
                    files += 1
                    size += file.stat().st_size
    return files, size


def uploads_count(path: Path) -> tuple[int, int]:
    """(files, bytes) in an uploads archive: reading it through checks every gzip block."""
    files = size = 0
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            if member.isfile():
                files += 1
                size += member.size
    return files, size


# --- the backup ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupSet:
    manifest: Path
    data: dict

    @property
    def dump(self) -> Path:
        return self.manifest.parent / self.data["dump"]

    @property
    def uploads(self) -> Path:
        return self.manifest.parent / self.data["uploads"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_create(*, directory: Path, keep: int, now: dt.datetime | None = None) -> BackupSet:
    """Dump the database and archive the uploads into `directory`, then keep only the
    `keep` newest complete sets."""
    target = Target.default()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime(STAMP)
    base = f"{PREFIX}{stamp}"
    dump, uploads, manifest = (directory / f"{base}{suffix}" for suffix in (".dump", "-uploads.tar.gz", ".json"))
    partial = dump.with_suffix(".dump.partial")
    # One snapshot for the dump and the figures: pg_dump imports the snapshot this
    # transaction exports, so both see the same rows whatever is written meanwhile.
    with psycopg.connect(target.conninfo()) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        figures = database_figures(conn)
        _run(["pg_dump", "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(partial)], target)
        conn.rollback()
    partial.rename(dump)
    files, size = uploads_archive(uploads)
    data = {
        "created": stamp,
        "database": target.name,
        "dump": dump.name,
        "dump_bytes": dump.stat().st_size,
        "dump_sha256": _sha256(dump),
        "uploads": uploads.name,
        "uploads_files": files,
        "uploads_bytes": size,
        "figures": figures,
    }
    manifest.write_text(json.dumps(data, indent=1, sort_keys=True))
    backups_prune(directory=directory, keep=keep)
    return BackupSet(manifest=manifest, data=data)


def backup_sets(directory: Path) -> list[BackupSet]:
    """The complete sets (those with a manifest), oldest first."""
    if not directory.is_dir():
        return []
    found = sorted(p for p in directory.iterdir() if NAME_RE.match(p.name))
    return [BackupSet(manifest=p, data=json.loads(p.read_text())) for p in found]


def backups_prune(*, directory: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest complete sets, and leftovers of failed backups
    older than the newest set; returns what was deleted."""
    sets = backup_sets(directory)
    if keep < 1 or not sets:
        return []
    kept = sets[-keep:]
    newest = kept[-1].data["created"]
    keep_names = {name for s in kept for name in (s.manifest.name, s.data["dump"], s.data["uploads"])}
    deleted = []
    for path in directory.iterdir():
        match = re.match(r"^kabinet-(\d{8}T\d{6}Z)", path.name)
        if match and path.name not in keep_names and match.group(1) <= newest:
            path.unlink()
            deleted.append(path)
    return sorted(deleted)


# --- the restore drill ---------------------------------------------------------------------


@dataclass
class DrillResult:
    backup: BackupSet
    scratch: str
    figures: dict
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


@contextmanager
def scratch_database(source: Target, name: str):
    """An empty database beside the source, dropped on the way out whatever happens."""
    admin = source.other("postgres")
    with psycopg.connect(admin.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    try:
        yield source.other(name)
    finally:
        with psycopg.connect(admin.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def backup_restore(*, backup: BackupSet, target: Target) -> None:
    """pg_restore the set's dump into an empty database."""
    argv = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--jobs={RESTORE_JOBS}"]
    _run([*argv, f"--dbname={target.name}", str(backup.dump)], target)


def restore_drill(*, directory: Path, scratch_name: str | None = None) -> DrillResult:
    """Restore the latest complete backup into a scratch database, compare its figures
    with the source's at backup time, check the uploads archive, drop the scratch database."""
    sets = backup_sets(directory)
    if not sets:
        raise BackupError(f"No complete backup in {directory}: run `manage.py backup` first.")
    latest = sets[-1]
    source = Target.default()
    name = scratch_name or f"{source.name[:40]}_drill_{os.getpid()}"
    problems = []
    if _sha256(latest.dump) != latest.data["dump_sha256"]:
        problems.append(f"{latest.dump.name} does not match its checksum: the file changed after the backup")
    with scratch_database(source, name) as scratch:
        backup_restore(backup=latest, target=scratch)
        with psycopg.connect(scratch.conninfo()) as conn:
            figures = database_figures(conn)
    problems += figures_compare(latest.data["figures"], figures)
    files, size = uploads_count(latest.uploads)
    if (files, size) != (latest.data["uploads_files"], latest.data["uploads_bytes"]):
        problems.append(
            f"uploads: the archive holds {files} files ({size} bytes), the backup wrote"
            f" {latest.data['uploads_files']} ({latest.data['uploads_bytes']} bytes)"
        )
    return DrillResult(backup=latest, scratch=name, figures=figures, problems=problems)
