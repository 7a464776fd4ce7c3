import imaplib
import ssl

from django.core.management.base import BaseCommand, CommandError
from imap_tools.errors import ImapToolsError

from kabinet.billing.estimate import charge_estimate
from kabinet.meters.inbound.mailbox import REQUIRED_SETTINGS, mailbox_fetch, mailbox_missing_settings


class Command(BaseCommand):
    help = "Read meter readings sent by e-mail (IMAP, READINGS_IMAP_*) and reply to each. Safe to re-run."

    def handle(self, *args, **options):
        # Off is a valid setup (the job is scheduled everywhere), so it ends with 0 and says
        # so; half a configuration is a mistake and ends with 1.
        missing = mailbox_missing_settings()
        if len(missing) == len(REQUIRED_SETTINGS):
            self.stdout.write(
                "Readings by e-mail are off: set READINGS_IMAP_HOST, READINGS_IMAP_USER and READINGS_IMAP_PASSWORD."
            )
            return
        if missing:
            raise CommandError(f"Readings by e-mail are not fully configured: set {', '.join(missing)}.")
        try:
            result = mailbox_fetch(charge_estimator=charge_estimate)
        except ssl.SSLCertVerificationError as error:
            raise CommandError(
                f"The IMAP server's certificate was refused ({error.verify_message}). For a private server "
                "set READINGS_IMAP_CA_FILE to its CA or self-signed certificate."
            ) from error
        except (OSError, imaplib.IMAP4.error, ImapToolsError) as error:
            raise CommandError(f"Could not read the IMAP mailbox: {error}") from error
        self.stdout.write(
            f"fetched {result.fetched}, processed {result.processed}, unparsed {result.unparsed}, "
            f"failed {result.failed}"
        )
        if result.failed:
            self.stderr.write(
                f"{result.failed} message(s) could not be processed: they wait for staff as unparsed "
                "messages with the problem “processing_failed”."
            )
