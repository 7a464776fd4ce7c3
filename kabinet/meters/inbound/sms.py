"""SMS gateways: a small interface, one module-level class per provider, chosen by
settings.SMS_PROVIDER.

Twilio (the documented provider)
--------------------------------
* In the Twilio console, set the phone number's "A message comes in" webhook to
  POST https://<site>/api/v1/readings/sms/twilio
* Settings: SMS_PROVIDER=twilio, SMS_TWILIO_ACCOUNT_SID, SMS_TWILIO_AUTH_TOKEN (or
  SMS_TWILIO_AUTH_TOKEN_FILE), SMS_TWILIO_FROM (the number replies are sent from).
* Twilio posts form fields MessageSid, From, To, Body and signs them in the
  X-Twilio-Signature header (HMAC-SHA1 of the URL followed by the sorted field names and
  values, keyed with the auth token, base64). Unsigned or wrongly signed posts get 403.
* The webhook answers an empty TwiML <Response/>; the reply SMS waits in the outbox and
  is sent by `manage.py readings_send_sms` (or its periodic task), with retries.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from kabinet.notifications.models import Channel, OutboxMessage, OutboxStatus


@dataclass
class InboundSms:
    external_id: str
    sender: str
    text: str


class SmsProvider:
    name = ""
    ack_body = ""
    ack_content_type = "text/plain"

    def verify(self, *, url: str, params: dict[str, str], headers) -> bool:
        raise NotImplementedError

    def parse(self, params: dict[str, str]) -> InboundSms:
        raise NotImplementedError

    def send(self, *, to: str, text: str) -> None:
        raise NotImplementedError


class TwilioProvider(SmsProvider):
    name = "twilio"
    ack_body = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    ack_content_type = "text/xml"

    def signature(self, url: str, params: dict[str, str]) -> str:
        payload = url + "".join(f"{k}{params[k]}" for k in sorted(params))
        digest = hmac.new(settings.SMS_TWILIO_AUTH_TOKEN.encode(), payload.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    def verify(self, *, url, params, headers) -> bool:
        given = headers.get("X-Twilio-Signature", "")
        if not settings.SMS_TWILIO_AUTH_TOKEN or not given:
            return False
        return hmac.compare_digest(given, self.signature(url, params))

    def parse(self, params) -> InboundSms:
        return InboundSms(
            external_id=f"twilio:{params.get('MessageSid', '')}",
            sender=params.get("From", ""),
            text=params.get("Body", ""),
        )

    def send(self, *, to, text) -> None:
        sid = settings.SMS_TWILIO_ACCOUNT_SID
        url = f"https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"
        data = urllib.parse.urlencode({"From": settings.SMS_TWILIO_FROM, "To": to, "Body": text}).encode()
        request = urllib.request.Request(url, data=data, method="POST")
        auth = base64.b64encode(f"{sid}:{settings.SMS_TWILIO_AUTH_TOKEN}".encode()).decode()
        request.add_header("Authorization", f"Basic {auth}")
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310  # nosec B310  # fixed https URL
            json.loads(response.read() or b"{}")


PROVIDERS: dict[str, type[SmsProvider]] = {"twilio": TwilioProvider}


def sms_provider(name: str | None = None) -> SmsProvider | None:
    name = name if name is not None else settings.SMS_PROVIDER
    cls = PROVIDERS.get(name or "")
    return cls() if cls else None


def sms_outbox_send_due(*, provider: SmsProvider | None = None, limit: int = 100) -> int:
    """Send pending SMS from the outbox with the configured provider; failures retry with backoff."""
    provider = provider or sms_provider()
    if provider is None:
        return 0
    now = timezone.now()
    sent = 0
    ids = list(
        OutboxMessage.objects.filter(
            channel=Channel.SMS, status=OutboxStatus.PENDING, next_attempt_at__lte=now
        ).values_list("id", flat=True)[:limit]
    )
    for message_id in ids:
        claimed = OutboxMessage.objects.filter(id=message_id, status=OutboxStatus.PENDING).update(
            next_attempt_at=now + dt.timedelta(minutes=10)
        )
        if not claimed:
            continue
        message = OutboxMessage.objects.get(id=message_id)
        try:
            provider.send(to=message.to, text=message.body_text)
        except Exception as exc:  # any gateway error: retry later
            attempts = message.attempts + 1
            OutboxMessage.objects.filter(id=message_id).update(
                attempts=attempts,
                last_error=str(exc)[:2000],
                status=OutboxStatus.FAILED if attempts >= 8 else OutboxStatus.PENDING,
                next_attempt_at=now + dt.timedelta(minutes=2**attempts),
            )
            continue
        OutboxMessage.objects.filter(id=message_id).update(
            status=OutboxStatus.SENT, sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
        )
        sent += 1
    return sent
