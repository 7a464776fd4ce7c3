"""Voice providers: a small interface, one class per provider, chosen by settings.IVR_PROVIDER.

Twilio Programmable Voice (the documented provider)
---------------------------------------------------
* In the Twilio console, set the phone number's "A call comes in" webhook to
  POST https://<site>/ivr/twilio/voice/
* Settings: IVR_PROVIDER=twilio; the account's auth token is the SMS channel's
  (SMS_TWILIO_AUTH_TOKEN or SMS_TWILIO_AUTH_TOKEN_FILE): one Twilio account, one token.
* Twilio posts form fields (CallSid, AccountSid, From, To, CallStatus, Direction, and
  Digits after a <Gather>) signed in X-Twilio-Signature, checked as for SMS
  (kabinet.meters.inbound.sms.TwilioProvider.verify); unsigned or wrongly signed: 403.
* Every answer is TwiML: the prompts in <Say> (the language's voice, IVR_TWILIO_VOICES)
  or <Play> (a recorded prompt under IVR_PROMPTS_URL), inside a <Gather input="dtmf"
  finishOnKey="#"> whose action names the step answered, so a retried webhook is
  recognised; after it a <Redirect> to the same step with ?silence=1 for a caller who
  keyed nothing (Twilio goes on to the next verb when a <Gather> times out).
"""

from xml.etree.ElementTree import Element, SubElement, tostring  # nosec B405  # we only build XML

from django.conf import settings

from kabinet.ivr.dialogue import Prompt, Turn
from kabinet.meters.inbound.sms import TwilioProvider

XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>'


class VoiceProvider:
    name = ""
    content_type = "text/xml"

    def verify(self, *, url: str, params: dict[str, str], headers) -> bool:
        raise NotImplementedError

    def call(self, params: dict[str, str]) -> tuple[str, str]:
        """(the call's id, the caller's number)."""
        raise NotImplementedError

    def digits(self, params: dict[str, str], query) -> str | None:
        """The keys the caller pressed, None if the question went unanswered."""
        raise NotImplementedError

    def render(self, turn: Turn, *, action_url: str) -> str:
        raise NotImplementedError


class TwilioVoiceProvider(VoiceProvider):
    name = "twilio"

    def verify(self, *, url, params, headers) -> bool:
        return TwilioProvider().verify(url=url, params=params, headers=headers)

    def call(self, params) -> tuple[str, str]:
        return params.get("CallSid", ""), params.get("From", "")

    def digits(self, params, query) -> str | None:
        if query.get("silence") or "Digits" not in params:
            return None
        return params["Digits"]

    def render(self, turn: Turn, *, action_url: str) -> str:
        response = Element("Response")
        parent = response
        if turn.listen:
            parent = SubElement(
                response,
                "Gather",
                input="dtmf",
                finishOnKey="#",
                action=action_url,
                method="POST",
                timeout=str(settings.IVR_GATHER_TIMEOUT),
            )
        for prompt in turn.prompts:
            _prompt(parent, prompt)
        if turn.listen:
            redirect = SubElement(response, "Redirect", method="POST")
            redirect.text = f"{action_url}?silence=1"
        if turn.hangup:
            SubElement(response, "Hangup")
        return XML_HEADER + tostring(response, encoding="unicode")


def _prompt(parent: Element, prompt: Prompt) -> None:
    language = prompt.language or "en"
    if prompt.key and settings.IVR_PROMPTS_URL:
        play = SubElement(parent, "Play")
        play.text = f"{settings.IVR_PROMPTS_URL.rstrip('/')}/{language}/{prompt.key}.mp3"
        return
    attributes = {"language": settings.IVR_SAY_LANGUAGES.get(language, language)}
    voice = settings.IVR_TWILIO_VOICES.get(language)
    if voice:
        attributes["voice"] = voice
    say = SubElement(parent, "Say", attributes)
    say.text = prompt.text


PROVIDERS: dict[str, type[VoiceProvider]] = {"twilio": TwilioVoiceProvider}


def voice_provider(name: str) -> VoiceProvider | None:
    """The provider `name` if it is the one switched on (IVR_PROVIDER)."""
    cls = PROVIDERS.get(name) if name == settings.IVR_PROVIDER else None
    return cls() if cls else None
