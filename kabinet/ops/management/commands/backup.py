"""Back up the database and the uploads: `manage.py backup --dir /var/backups/kabinet --keep 14`.

Run nightly by deploy/backup/kabinet-backup.service (README, "Backups"); safe to run by hand
at any time, also while the site is busy (pg_dump reads one consistent snapshot)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kabinet.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Dump the database (pg_dump -Fc) and archive the uploads into the backup directory."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(settings.VAR_DIR / "backups"), help="the backup directory")
        parser.add_argument("--keep", type=int, default=14, help="complete backups to keep (default 14)")

    def handle(self, *args, **options):
        try:
            done = backup_create(directory=Path(options["dir"]), keep=options["keep"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(done.data["figures"]["rows"].values())
        self.stdout.write(
            f"{done.dump}: {done.data['dump_bytes']:,} bytes, {rows:,} rows;"
            f" {done.uploads.name}: uploaded files {done.data['uploads_files']}"
        )
