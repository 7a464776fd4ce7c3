"""Import every statement file dropped into a folder (run from cron, or by hand).

Each file is imported and posted all-or-nothing, then moved to done/ (or failed/ with
a .error.txt next to it). Safe to re-run: a file imported twice posts nothing new.
Agent registries are recognised by a sub-folder named after the layout's code:
<inbox>/<code>/file.txt.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from kabinet.payments.models import RegistryLayout
from kabinet.payments.services import statement_import
from kabinet.utility.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Import and post the bank statements waiting in the inbox folder."

    def add_arguments(self, parser):
        parser.add_argument("--folder", default=settings.STATEMENTS_INBOX)

    def handle(self, *args, folder, **options):
        inbox = Path(folder)
        inbox.mkdir(parents=True, exist_ok=True)
        layouts = {layout.code: layout for layout in RegistryLayout.objects.all()}
        files = [p for p in sorted(inbox.iterdir()) if p.is_file()]
        for code in layouts:
            sub = inbox / code
            if sub.is_dir():
                files += [p for p in sorted(sub.iterdir()) if p.is_file()]
        done, failed = inbox / "done", inbox / "failed"
        for path in files:
            layout = layouts.get(path.parent.name) if path.parent != inbox else None
            try:
                statement = statement_import(data=path.read_bytes(), file_name=path.name, layout=layout)
            except ApplicationError as exc:
                failed.mkdir(exist_ok=True)
                target = failed / path.name
                path.replace(target)
                target.with_name(target.name + ".error.txt").write_text(str(exc.message) + "\n")
                self.stderr.write(f"{path.name}: {exc.message}")
                continue
            done.mkdir(exist_ok=True)
            path.replace(done / path.name)
            self.stdout.write(
                f"{path.name}: {statement.matched} registered, {statement.unmatched} queued, "
                f"{statement.duplicates} already imported, {statement.reversals} reversed"
            )
