"""Prove the latest backup restores: `manage.py restore_drill --dir /var/backups/kabinet`.

Restores it into a scratch database beside the source (created and dropped here: the
role needs CREATEDB), compares rows per table, ledger sums per kind and payment sums with
the figures taken at backup time, checks the uploads archive, and exits non-zero on any
difference. `make restore-drill` runs it."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kabinet.ops.backup import BackupError, restore_drill


class Command(BaseCommand):
    help = "Restore the latest backup into a scratch database and compare it with the source."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(settings.VAR_DIR / "backups"), help="the backup directory")
        parser.add_argument("--scratch", help="the scratch database's name (default <source>_drill_<pid>)")

    def handle(self, *args, **options):
        try:
            result = restore_drill(directory=Path(options["dir"]), scratch_name=options["scratch"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        figures = result.figures
        self.stdout.write(
            f"{result.backup.dump.name} restored into {result.scratch} (dropped):"
            f" {len(figures['rows'])} tables, {sum(figures['rows'].values()):,} rows,"
            f" ledger {figures['ledger'].get('(all)', '0')}, payments {figures['payments'].get('(all)', '0')},"
            f" uploaded files {result.backup.data['uploads_files']}"
        )
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"restore drill FAILED: {len(result.problems)} differences")
        self.stdout.write(self.style.SUCCESS("restore drill passed: the restore matches the source"))
