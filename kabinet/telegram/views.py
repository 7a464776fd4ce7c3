"""Two doors: the Bot API's webhook, and the portal page where a customer gets the
one-time code that links a chat to their login (registered in kabinet/portal/urls.py)."""

import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kabinet.lib.text import machine_door, without_controls
from kabinet.telegram.models import TelegramChat
from kabinet.telegram.services import (
    LINK_CODE_MINUTES,
    bot_enabled,
    chat_unlink,
    chats_of,
    link_code_create,
    secret_matches,
    update_receive,
    webhook_path_secret,
)

log = logging.getLogger(__name__)


@machine_door  # a refused update is sent again and holds the later ones back
@csrf_exempt  # the secret header is the proof; Telegram carries no CSRF token
@require_POST
def webhook(request: HttpRequest, secret: str) -> HttpResponse:
    """An update from Telegram. The path and the X-Telegram-Bot-Api-Secret-Token header
    are both checked (constant time); then 200, whatever happens: the replies go through
    the outbox after the commit, and a repeated update_id is ignored."""
    if not bot_enabled() or not secret_matches(secret, webhook_path_secret()):
        raise Http404
    if not secret_matches(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), settings.TELEGRAM_WEBHOOK_SECRET):
        return HttpResponseForbidden()
    try:
        update = json.loads(request.body or b"{}")
    except ValueError:
        return HttpResponse(status=200)  # nothing to retry: Telegram would send the same bytes
    if isinstance(update, dict):
        # A message's control characters (a pasted zero byte) are dropped, not refused.
        update_receive(update=without_controls(update))
    return HttpResponse(status=200)


@login_required
def telegram_link(request: HttpRequest) -> HttpResponse:
    """Link Telegram: a one-time code (POST), the chats linked, and unlinking one."""
    if not bot_enabled():
        raise Http404
    code = None
    if request.method == "POST":
        if request.POST.get("unlink"):
            chat = get_object_or_404(TelegramChat, pk=request.POST.get("unlink"), user=request.user)
            chat_unlink(chat=chat, actor=request.user)
        else:
            code = link_code_create(user=request.user)
    ctx = {
        "code": code,
        "minutes": LINK_CODE_MINUTES,
        "bot_name": settings.TELEGRAM_BOT_NAME,
        "chats": chats_of(request.user),
    }
    return render(request, "telegram/link.html", ctx)
