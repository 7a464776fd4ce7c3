"""Twilio's voice webhooks: a call comes in, and each <Gather> answers a step.

Thin: the signature is checked, the form read, the services advance the call
(kabinet.ivr.services) and the provider renders the turn as TwiML. Off (404) unless
IVR_PROVIDER names the provider."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kabinet.ivr.models import CallProvider
from kabinet.ivr.services import call_start, call_step
from kabinet.ivr.twilio import VoiceProvider, voice_provider


def _checked(request: HttpRequest) -> tuple[VoiceProvider, dict[str, str]]:
    provider = voice_provider(CallProvider.TWILIO)
    if provider is None:
        raise Http404
    params = {k: request.POST.get(k, "") for k in request.POST}
    if not provider.verify(url=request.build_absolute_uri(), params=params, headers=request.headers):
        raise PermissionError
    return provider, params


def _answer(request: HttpRequest, provider: VoiceProvider, step: int, turn) -> HttpResponse:
    action = request.build_absolute_uri(reverse("ivr:twilio-step", args=[step]))
    return HttpResponse(provider.render(turn, action_url=action), content_type=provider.content_type)


@csrf_exempt  # the request signature is the proof; Twilio carries no CSRF token
@require_POST
def twilio_voice(request: HttpRequest) -> HttpResponse:
    """ "A call comes in": the first turn of the call."""
    try:
        provider, params = _checked(request)
    except PermissionError:
        return HttpResponseForbidden("bad signature")
    call_id, caller = provider.call(params)
    if not call_id:
        return HttpResponse("missing CallSid", status=400)
    step, turn = call_start(provider=provider.name, call_id=call_id, caller=caller)
    return _answer(request, provider, step, turn)


@csrf_exempt
@require_POST
def twilio_step(request: HttpRequest, step: int) -> HttpResponse:
    """The caller's keys for turn `step` (or ?silence=1 when none came)."""
    try:
        provider, params = _checked(request)
    except PermissionError:
        return HttpResponseForbidden("bad signature")
    call_id, _caller = provider.call(params)
    if not call_id:
        return HttpResponse("missing CallSid", status=400)
    digits = provider.digits(params, request.GET)
    next_step, turn = call_step(provider=provider.name, call_id=call_id, step=step, digits=digits)
    return _answer(request, provider, next_step, turn)
