"""Doors of external sign-in: /identity/<provider>/start -> the provider ->
/identity/<provider>/callback, then either straight in (a linked identity), or the page
that links the identity to a login after its password ("Link this identity").

A customer already signed in links from "Login and access" (the same start and callback:
signed in, the callback links to the signed-in login). The start is a POST with Django's
CSRF token, so another site cannot send a signed-in customer off to link an identity.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kabinet.customers import throttle as t
from kabinet.customers.throttle import client_ip
from kabinet.identity import providers as p
from kabinet.identity import selectors, services
from kabinet.identity.forms import ProofForm
from kabinet.identity.models import ExternalIdentity
from kabinet.lib.urls import local_url
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import RegistrationMode, UtilityProfile

# The verified identity waits this long for the password that links it.
PENDING_KEY = "identity_pending"
PENDING_SECONDS = 10 * 60
# Where the login page was asked to go after signing in (its ?next=), kept across the trip.
NEXT_KEY = "identity_next"


def _enabled() -> None:
    if not p.providers():
        raise Http404


def _error(request: HttpRequest, exc: ApplicationError, status: int = 400) -> HttpResponse:
    return render(request, "identity/error.html", {"error": exc}, status=status)


def _sign_in(request: HttpRequest, user) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])  # rotates the session key
    # No "remember me" was asked: the session ends with the browser.
    request.session.set_expiry(0)
    return HttpResponseRedirect(request.session.pop(NEXT_KEY, "") or reverse("portal:dashboard"))


@require_POST
def start(request: HttpRequest, provider: str) -> HttpResponse:
    _enabled()
    conf = p.provider_get(provider)
    if request.user.is_authenticated and not services.may_sign_in_externally(request.user):
        return _error(request, services.staff_refused(), status=403)
    # Only a page of this site: never an open redirect (as Django's own login view).
    wanted = local_url(request, request.POST.get("next", ""))
    if wanted:
        request.session[NEXT_KEY] = wanted
    else:
        request.session.pop(NEXT_KEY, None)
    try:
        return p.authorization_redirect(request, conf)
    except ApplicationError as exc:
        return _error(request, exc, status=502)


@require_GET
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    _enabled()
    conf = p.provider_get(provider)
    ip = client_ip(request)
    try:
        verified = p.authorization_verify(request, conf)
    except ApplicationError as exc:
        return _error(request, exc, status=502 if exc.code == "identity_unreachable" else 400)
    if request.user.is_authenticated:
        # Linking from "Login and access": the signed-in login is the proof.
        try:
            services.identity_link(user=request.user, verified=verified, ip=ip)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(provider)s is linked: you can sign in with it.") % {"provider": conf.name})
        return redirect("portal:access")
    identity = selectors.identity_find(verified)
    if identity is not None:
        try:
            user = services.identity_sign_in(identity=identity, ip=ip)
        except ApplicationError as exc:
            return _error(request, exc, status=403)
        return _sign_in(request, user)
    # Not linked yet: whatever the provider says about e-mail or name, the person proves a
    # login before this identity opens it.
    request.session[PENDING_KEY] = {
        "provider": verified.provider,
        "issuer": verified.issuer,
        "subject": verified.subject,
        "at": time.time(),
    }
    return redirect("identity:link")


def _pending(request: HttpRequest) -> p.Verified | None:
    data = request.session.get(PENDING_KEY)
    if not data or time.time() - data.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return p.Verified(provider=data["provider"], issuer=data["issuer"], subject=data["subject"])


def link(request: HttpRequest) -> HttpResponse:
    """Link the identity just verified to a login, after the login's password."""
    _enabled()
    if request.user.is_authenticated:
        return redirect("portal:dashboard")
    verified = _pending(request)
    if verified is None:
        exc = ApplicationError(
            "identity_expired", _("This sign-in has expired or was already used. Please start again.")
        )
        return _error(request, exc)
    conf = p.provider_get(verified.provider)
    ctx = {"provider": conf, "self_service": UtilityProfile.get().registration_mode == RegistrationMode.SELF_SERVICE}
    if request.method == "POST":
        identifier = request.POST.get("identifier", "").strip().lower()
        ip = client_ip(request)
        person = t.login_person(identifier)
        try:
            t.login_begin(person, ip)  # the login page's throttling: the same guesses, the same counters
        except ApplicationError as exc:
            ctx.update(form=ProofForm(request, initial={"identifier": request.POST.get("identifier", "")}))
            ctx["throttled"] = exc.message
            response = render(request, "identity/link.html", ctx, status=429)
            response["Retry-After"] = str(exc.extra.get("retry_after", 60))
            return response
        form = ProofForm(request, data=request.POST)
        if form.is_valid():
            t.login_succeeded(person, ip)
            try:
                services.identity_link(user=form.user_cache, verified=verified, ip=ip)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return _sign_in(request, form.user_cache)
        elif form.errors.get("__all__"):
            t.login_failed(person, ip)
        else:
            t.login_release(person, ip)
    else:
        form = ProofForm(request)
    ctx["form"] = form
    return render(request, "identity/link.html", ctx)


@login_required
@require_POST
def unlink(request: HttpRequest, pk: int) -> HttpResponse:
    identity = get_object_or_404(ExternalIdentity, pk=pk, user=request.user)  # another's: 404
    try:
        services.identity_unlink(user=request.user, identity=identity, ip=client_ip(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The identity is unlinked."))
    return redirect("portal:access")
