"""A phone call through Twilio's voice webhooks, as Twilio makes it: form-encoded POSTs
with the call's fields, signed in X-Twilio-Signature by the documented algorithm (computed
here, not by the code under test), answered with TwiML that the test parses as XML."""

import base64
import hashlib
import hmac
import itertools
import xml.etree.ElementTree as ET  # nosec B405  # our own test responses

import pytest
from django.urls import reverse

TOKEN = "twilio-auth-token-for-tests"
ACCOUNT_SID = "AC" + "0" * 32
LINE = "+37167000000"
ALICE_PHONE = "+37129000001"
_sids = itertools.count(1)


@pytest.fixture
def twilio(settings):
    settings.IVR_PROVIDER = "twilio"
    settings.SMS_TWILIO_AUTH_TOKEN = TOKEN
    settings.IVR_PROMPTS_URL = ""
    return settings


def twilio_signature(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    """Twilio's documented request signature: HMAC-SHA1 of the full URL followed by each
    POST field name and value, sorted by name, keyed with the auth token, base64."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


class TwilioCall:
    """One call: start() posts the "A call comes in" webhook, press() answers the last
    <Gather> at its action URL, silence() follows the <Redirect> after it."""

    def __init__(self, client, caller: str = ALICE_PHONE, sid: str | None = None):
        self.client = client
        self.caller = caller
        self.sid = sid or f"CA{next(_sids):032d}"
        self.root = None
        self.response = None

    def fields(self, **extra) -> dict[str, str]:
        return {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": self.sid,
            "CallStatus": "in-progress",
            "Called": LINE,
            "Caller": self.caller,
            "Direction": "inbound",
            "From": self.caller,
            "FromCountry": "LV",
            "To": LINE,
            "ToCountry": "LV",
            **extra,
        }

    def post(self, url: str, params: dict[str, str], *, token: str = TOKEN, signed: bool = True):
        headers = {"X-Twilio-Signature": twilio_signature(url, params, token)} if signed else {}
        path = url.removeprefix("http://testserver")
        response = self.client.post(path, params, headers=headers)
        self.response = response
        if response.status_code == 200:
            assert response["Content-Type"].startswith("text/xml")
            self.root = ET.fromstring(response.content)  # nosec B314
        return response

    def start(self, **kwargs):
        url = "http://testserver" + reverse("ivr:twilio-voice")
        return self.post(url, self.fields(CallStatus="ringing"), **kwargs)

    @property
    def gather(self):
        return self.root.find("Gather")

    def press(self, digits: str, **kwargs):
        """The keys before # (Twilio sends them without the finishing key)."""
        gather = self.gather
        assert gather is not None, self.said
        return self.post(
            gather.get("action"), self.fields(Digits=digits, FinishedOnKey="#", msg="Gather End"), **kwargs
        )

    def silence(self):
        redirect = self.root.find("Redirect")
        assert redirect is not None and redirect.get("method") == "POST"
        return self.post(redirect.text, self.fields())

    @property
    def said(self) -> list[str]:
        return [say.text for say in self.root.iter("Say")]

    @property
    def text(self) -> str:
        return " ".join(self.said)

    @property
    def hung_up(self) -> bool:
        return self.root.find("Hangup") is not None
