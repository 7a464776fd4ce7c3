"""Access pages: login, registration, activation, passwords, e-mail, premises, co-users.

Thin doors onto kabinet.customers.services. Pages a stranger can use (registration,
reset, resend) answer with a redirect to the same "check your e-mail" page whatever
happened; failures that do depend on a secret are counted by customers.throttle.
"""

from collections.abc import Sequence

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.billing.selectors import invoices_for_account
from kabinet.customers import services
from kabinet.customers import throttle as t
from kabinet.customers.models import AccessRole, AccountAccess, Invitation
from kabinet.customers.throttle import client_ip
from kabinet.lib.urls import local_url
from kabinet.portal import access_forms as f
from kabinet.portal.context import SESSION_KEY, current_access, portal_accesses
from kabinet.portal.forms import LoginForm
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import RegistrationMode, RegistrationProof, UtilityProfile

T = "portal/access/"


def invoice_proof(account_ids: Sequence[int], proof: str) -> bool:
    """Whether `proof` is the amount to pay (or, where the utility allows it, the number)
    of one of these accounts' latest invoice (the door composes billing's answer for
    customers' services)."""
    wanted = services.proof_normalise(proof)
    amount = services.proof_amount(proof)
    by_number = UtilityProfile.get().registration_proof == RegistrationProof.AMOUNT_OR_NUMBER
    for account_id in account_ids:
        last = invoices_for_account(account_id).values_list("number", "amount_due").first()
        if last is None:
            continue
        number, amount_due = last
        if by_number and wanted == number.upper():
            return True
        # A zero amount is too easy to guess to prove anything.
        if amount is not None and amount_due > 0 and amount == amount_due:
            return True
    return False


def _throttled(request, template: str, ctx: dict, exc: ApplicationError) -> HttpResponse:
    ctx["throttled"] = exc.message
    response = render(request, template, ctx, status=429)
    response["Retry-After"] = str(exc.extra.get("retry_after", 60))
    return response


def _field_error(form, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _safe_next(request: HttpRequest) -> str:
    return local_url(request, request.POST.get("next") or request.GET.get("next") or "")


# --- login / logout ------------------------------------------------------------------------


def login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:dashboard")
    ctx = {"next": _safe_next(request)}
    if request.method == "POST":
        identifier = request.POST.get("identifier", "").strip().lower()
        ip = client_ip(request)
        person = t.login_person(identifier)
        try:
            t.login_begin(person, ip)
        except ApplicationError as exc:
            ctx["form"] = LoginForm(request, initial={"identifier": request.POST.get("identifier", "")})
            return _throttled(request, "portal/login.html", ctx, exc)
        form = LoginForm(request, data=request.POST)
        if form.is_valid():
            t.login_succeeded(person, ip)
            auth_login(request, form.get_user())  # rotates the session key
            if not form.cleaned_data["remember"]:
                request.session.set_expiry(0)  # ends with the browser
            return HttpResponseRedirect(_safe_next(request) or reverse("portal:dashboard"))
        if form.errors.get("__all__"):  # a wrong login or password, not an empty field
            t.login_failed(person, ip)
        else:
            t.login_release(person, ip)
    else:
        form = LoginForm(request)
    ctx["form"] = form
    return render(request, "portal/login.html", ctx)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    response = redirect("portal:login")
    # The back button must not show the previous customer's pages from the browser's cache.
    # Not "storage": the offline reading queue in localStorage is sent after the next login.
    response["Clear-Site-Data"] = '"cache"'
    return response


# --- registration ---------------------------------------------------------------------------


def register(request: HttpRequest) -> HttpResponse:
    """Self-service registration, or the application form, by the utility's registration mode."""
    if request.user.is_authenticated:
        return redirect("portal:dashboard")
    if UtilityProfile.get().registration_mode != RegistrationMode.SELF_SERVICE:
        return redirect("portal:application")
    form = f.RegistrationForm(request.POST or None)
    ctx = {"form": form}
    if request.method == "POST":
        ip = client_ip(request)
        code = request.POST.get("client_code", "").strip()
        try:
            t.throttle_check((t.REGISTER_ID, code), (t.REGISTER_IP, ip))
        except ApplicationError as exc:
            return _throttled(request, T + "register.html", {"form": f.RegistrationForm()}, exc)
        if form.is_valid():
            d = form.cleaned_data
            t.throttle_hit(t.REGISTER_ID, code)
            t.throttle_hit(t.REGISTER_IP, ip)
            try:
                services.registration_submit(
                    client_code=d["client_code"],
                    proof=d["proof"],
                    first_name=d["first_name"],
                    last_name=d["last_name"],
                    email=d["email"],
                    password=d["password"],
                    language=get_language(),
                    ip=ip,
                    invoice_proof=invoice_proof,
                )
            except ApplicationError as exc:  # only the password's strength: it does not depend on the code
                _field_error(form, exc)
            else:
                return redirect("portal:register-sent")
    return render(request, T + "register.html", ctx)


def register_sent(request: HttpRequest) -> HttpResponse:
    return render(request, T + "sent.html", {"what": "register"})


def activate(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: a button (mail scanners only GET), and a password for logins opened by staff."""
    try:
        user = services.activation_check(token=token)
    except ApplicationError as exc:
        return render(
            request, T + "link_error.html", {"error": exc, "resend": exc.code != "already_active"}, status=400
        )
    needs_password = not user.has_usable_password()
    form = f.SetPasswordForm(request.POST or None) if needs_password else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            services.user_activate(
                token=token, password=form.cleaned_data["password"] if form else None, ip=client_ip(request)
            )
        except ApplicationError as exc:
            if form is None or exc.field is None:
                return render(request, T + "link_error.html", {"error": exc, "resend": True}, status=400)
            _field_error(form, exc)
        else:
            messages.success(
                request, _("Your login is active. Log in with your e-mail, client code or account number.")
            )
            return redirect("portal:login")
    return render(request, T + "activate.html", {"form": form, "account_user": user})


def activation_resend(request: HttpRequest) -> HttpResponse:
    form = f.EmailForm(request.POST or None)
    if request.method == "POST":
        ip = client_ip(request)
        email = request.POST.get("email", "").strip()
        try:
            t.throttle_check((t.RESET_ID, email), (t.RESET_IP, ip))
        except ApplicationError as exc:
            return _throttled(request, T + "resend.html", {"form": f.EmailForm()}, exc)
        if form.is_valid():
            t.throttle_hit(t.RESET_ID, email)
            t.throttle_hit(t.RESET_IP, ip)
            services.activation_resend(email=form.cleaned_data["email"], ip=ip)
            return redirect("portal:register-sent")
    return render(request, T + "resend.html", {"form": form})


def activate_code(request: HttpRequest) -> HttpResponse:
    """Activation with the one-time code from a letter printed at the counter."""
    form = f.CodeActivationForm(request.POST or None)
    if request.method == "POST":
        ip = client_ip(request)
        identifier = request.POST.get("identifier", "").strip()
        try:
            t.throttle_check((t.CODE_ID, identifier), (t.CODE_IP, ip))
        except ApplicationError as exc:
            return _throttled(request, T + "code.html", {"form": f.CodeActivationForm()}, exc)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.code_activate(
                    identifier=d["identifier"], code=d["code"], password=d["password"], email=d["email"], ip=ip
                )
            except ApplicationError as exc:
                if exc.code == "code_refused":
                    t.throttle_hit(t.CODE_ID, identifier)
                    t.throttle_hit(t.CODE_IP, ip)
                _field_error(form, exc)
            else:
                messages.success(request, _("Your login is active. Log in with your new password."))
                return redirect("portal:login")
    return render(request, T + "code.html", {"form": form})


def application(request: HttpRequest) -> HttpResponse:
    """An application for access: sent online to the staff queue, or downloaded as a PDF to sign."""
    if request.user.is_authenticated:
        return redirect("portal:dashboard")
    form = f.ApplicationForm(request.POST or None)
    if request.method == "POST":
        ip = client_ip(request)
        pdf = request.POST.get("action") == "pdf"
        if not pdf:
            try:
                t.throttle_check((t.APPLICATION_IP, ip))
            except ApplicationError as exc:
                return _throttled(request, T + "application.html", {"form": form}, exc)
        if form.is_valid():
            d = form.cleaned_data
            if pdf:
                return _application_pdf(request, d)
            t.throttle_hit(t.APPLICATION_IP, ip)
            services.application_submit(
                full_name=d["full_name"],
                account_number=d["account_number"],
                client_code=d["client_code"],
                address=d["address"],
                email=d["email"],
                phone=d["phone"],
                message=d["message"],
                language=get_language(),
                ip=ip,
            )
            return redirect("portal:application-sent")
    return render(request, T + "application.html", {"form": form})


def _application_pdf(request: HttpRequest, data: dict) -> HttpResponse:
    from weasyprint import HTML

    html = render_to_string(T + "application_pdf.html", {"d": data, "utility": UtilityProfile.get()}, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="application.pdf"'
    return response


def application_sent(request: HttpRequest) -> HttpResponse:
    return render(request, T + "sent.html", {"what": "application"})


# --- forgotten password --------------------------------------------------------------------


def password_reset(request: HttpRequest) -> HttpResponse:
    by_phone = UtilityProfile.get().reset_by_account_and_phone and request.GET.get("by") != "email"
    if request.method == "POST":
        by_phone = by_phone and request.POST.get("by") != "email"
    form_class = f.ResetByPhoneForm if by_phone else f.EmailForm
    form = form_class(request.POST or None)
    ctx = {"form": form, "by_phone": by_phone, "offer_phone": UtilityProfile.get().reset_by_account_and_phone}
    if request.method == "POST":
        ip = client_ip(request)
        identifier = request.POST.get("email", "").strip()
        try:
            t.throttle_check((t.RESET_ID, identifier), (t.RESET_IP, ip))
        except ApplicationError as exc:
            ctx["form"] = form_class()
            return _throttled(request, T + "reset.html", ctx, exc)
        if form.is_valid():
            t.throttle_hit(t.RESET_ID, identifier)
            t.throttle_hit(t.RESET_IP, ip)
            d = form.cleaned_data
            services.password_reset_request(
                email=d["email"], account_number=d.get("account_number"), phone=d.get("phone"), ip=ip
            )
            return redirect("portal:password-reset-sent")
    return render(request, T + "reset.html", ctx)


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, T + "sent.html", {"what": "reset"})


def password_reset_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.password_reset_check(token=token)
    except ApplicationError as exc:
        return render(request, T + "link_error.html", {"error": exc, "reset": True}, status=400)
    form = f.SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_confirm(token=token, password=form.cleaned_data["password"], ip=client_ip(request))
        except ApplicationError as exc:
            _field_error(form, exc)
        else:
            messages.success(request, _("Your password has been changed. Log in with the new password."))
            return redirect("portal:login")
    return render(request, T + "set_password.html", {"form": form})


# --- the logged-in customer's access page -----------------------------------------------


@login_required
def access_home(request: HttpRequest) -> HttpResponse:
    accesses, current = portal_accesses(request)
    ctx = {"accesses": accesses, "current": current}
    if current is not None and current.can_manage:
        ctx.update(_people(current))
    return render(request, T + "home.html", ctx)


def _people(current: AccountAccess) -> dict:
    others = (
        AccountAccess.objects.filter(account_id=current.account_id)
        .exclude(user_id=current.user_id)
        .select_related("user")
        .order_by("created")
    )
    invitations = Invitation.objects.filter(
        account_id=current.account_id, accepted_at__isnull=True, revoked_at__isnull=True
    ).order_by("created")
    return {"others": list(others), "invitations": list(invitations), "invite_form": f.InviteForm()}


def _password_guard(request: HttpRequest, template: str, form_class) -> HttpResponse | None:
    """The 429 page once a logged-in session has typed a wrong current password too often."""
    try:
        t.throttle_check((t.PASSWORD_CHECK, str(request.user.pk)))
    except ApplicationError as exc:
        return _throttled(request, template, {"form": form_class()}, exc)
    return None


def _password_failed(request: HttpRequest, exc: ApplicationError) -> None:
    if exc.code == "wrong_password":
        t.throttle_hit(t.PASSWORD_CHECK, str(request.user.pk))


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = f.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and (
        blocked := _password_guard(request, T + "password_change.html", f.PasswordChangeForm)
    ):
        return blocked
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.password_change(
                user=request.user, old_password=d["old_password"], new_password=d["password"], ip=client_ip(request)
            )
        except ApplicationError as exc:
            _password_failed(request, exc)
            _field_error(form, exc)
        else:
            update_session_auth_hash(request, user)  # stay logged in here; other sessions end
            messages.success(request, _("Your password has been changed."))
            return redirect("portal:access")
    return render(request, T + "password_change.html", {"form": form})


@login_required
def email_change(request: HttpRequest) -> HttpResponse:
    form = f.EmailChangeForm(request.POST or None)
    if request.method == "POST" and (blocked := _password_guard(request, T + "email_change.html", f.EmailChangeForm)):
        return blocked
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.email_change_request(
                user=request.user, new_email=d["email"], password=d["password"], ip=client_ip(request)
            )
        except ApplicationError as exc:
            _password_failed(request, exc)
            _field_error(form, exc)
        else:
            messages.success(
                request,
                _("We sent a confirmation link to %(email)s. Your address changes when you open it.")
                % {"email": d["email"]},
            )
            return redirect("portal:access")
    return render(request, T + "email_change.html", {"form": form})


def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link sent to the new address; it may be opened on another device, without a login."""
    if request.method == "POST":
        try:
            services.email_change_confirm(token=token, ip=client_ip(request))
        except ApplicationError as exc:
            return render(request, T + "link_error.html", {"error": exc}, status=400)
        messages.success(request, _("Your e-mail address has been changed."))
        return redirect("portal:access" if request.user.is_authenticated else "portal:login")
    return render(request, T + "email_confirm.html", {})


@login_required
def premises_add(request: HttpRequest) -> HttpResponse:
    form = f.PremisesAddForm(request.POST or None)
    if request.method == "POST":
        ip = client_ip(request)
        key = str(request.user.pk)
        try:
            t.throttle_check((t.PREMISES_ID, key), (t.PREMISES_IP, ip))
        except ApplicationError as exc:
            return _throttled(request, T + "premises_add.html", {"form": f.PremisesAddForm()}, exc)
        if form.is_valid():
            d = form.cleaned_data
            try:
                access = services.premises_add(
                    user=request.user,
                    account_number=d["account_number"],
                    proof=d["proof"],
                    ip=ip,
                    invoice_proof=invoice_proof,
                )
            except ApplicationError as exc:
                if exc.code == "premises_refused":
                    t.throttle_hit(t.PREMISES_ID, key)
                    t.throttle_hit(t.PREMISES_IP, ip)
                _field_error(form, exc)
            else:
                request.session[SESSION_KEY] = access.account_id
                messages.success(request, _("The premises have been added."))
                return redirect("portal:dashboard")
    return render(request, T + "premises_add.html", {"form": form})


@login_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    current = current_access(request)
    if not current.can_manage:
        raise Http404
    form = f.InviteForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_send(
                account=current.account,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            _field_error(form, exc)
        else:
            messages.success(request, _("The invitation has been sent to %(email)s.") % form.cleaned_data)
            return redirect("portal:access")
    accesses, _current = portal_accesses(request)
    ctx = {"accesses": accesses, "current": current, **_people(current), "invite_form": form}
    return render(request, T + "home.html", ctx, status=400)


@login_required
@require_POST
def access_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    current = current_access(request)
    # Only co-users of the chosen account, and only by its holder: anything else is a 404.
    if not current.can_manage:
        raise Http404
    access = get_object_or_404(
        AccountAccess.objects.exclude(role=AccessRole.HOLDER).select_related("user", "account__premises__building"),
        pk=pk,
        account_id=current.account_id,
    )
    services.access_revoke(access=access, actor=request.user, ip=client_ip(request))
    messages.success(request, _("Access has been removed."))
    return redirect("portal:access")


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    current = current_access(request)
    if not current.can_manage:
        raise Http404
    invitation = get_object_or_404(Invitation, pk=pk, account_id=current.account_id)
    services.invitation_revoke(invitation=invitation, actor=request.user, ip=client_ip(request))
    messages.success(request, _("The invitation has been withdrawn."))
    return redirect("portal:access")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_check(token=token)
    except ApplicationError as exc:
        return render(request, T + "link_error.html", {"error": exc}, status=400)
    logged_in = request.user.is_authenticated
    form = None if logged_in else f.InvitationAcceptForm(request.POST or None)
    ctx = {"invitation": invitation, "form": form}
    if request.method == "POST" and (form is None or form.is_valid()):
        d = form.cleaned_data if form else {}
        try:
            access = services.invitation_accept(
                token=token,
                user=request.user if logged_in else None,
                first_name=d.get("first_name", ""),
                last_name=d.get("last_name", ""),
                password=d.get("password", ""),
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            if form is not None and exc.field:
                _field_error(form, exc)
            else:
                ctx["error"] = exc.message
        else:
            if logged_in:
                request.session[SESSION_KEY] = access.account_id
                messages.success(request, _("The premises have been added to your list."))
                return redirect("portal:dashboard")
            messages.success(request, _("Your login is ready. Log in with your e-mail and the new password."))
            return redirect("portal:login")
    return render(request, T + "invitation.html", ctx)
