"""The AGI script Asterisk runs for each call to the readings line (see kabinet/ivr/agi.py
and the README's extensions.conf lines)."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kabinet.ivr.agi import agi_call


class Command(BaseCommand):
    help = "Speak AGI on stdin/stdout for one call to the answering machine (run by Asterisk's AGI())."

    def handle(self, *args, **options):
        if settings.IVR_PROVIDER != "agi":
            raise CommandError("IVR_PROVIDER is not 'agi'.")
        agi_call(sys.stdin, sys.stdout)
