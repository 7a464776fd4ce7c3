"""The second step of a staff login: a code from an authenticator app (TOTP).

A login without a confirmed device sets one up here first: the page shows a QR code and
the secret for typing in, and the device counts once the app's first code is given. The
secret is shown only on this page, to the login itself, while it is being set up."""

import base64

import segno
from django import forms
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kabinet.customers.throttle import client_ip
from kabinet.lib.urls import local_url
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next(request, site) -> str:
    target = local_url(request, request.POST.get("next") or request.GET.get("next") or "")
    return target or reverse("admin:index", current_app=site.name)


def _device_for_setup(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name=gettext("Authenticator app"), confirmed=False)


def two_factor_view(site):
    @never_cache
    @csrf_protect
    def view(request):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return HttpResponseRedirect(reverse("admin:login", current_app=site.name))
        if user.is_verified():
            return HttpResponseRedirect(_next(request, site))
        if request.method == "POST" and "logout" in request.POST:
            logout(request)
            return HttpResponseRedirect(reverse("admin:login", current_app=site.name))
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        setting_up = device is None
        if setting_up:
            device = _device_for_setup(user)
        form = CodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            code = "".join(ch for ch in form.cleaned_data["code"] if ch.isdigit())
            if device.verify_token(code):
                if setting_up:
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    event_record(kind="staff.two_factor_set_up", actor=user, obj=user, ip=client_ip(request))
                otp_login(request, device)
                event_record(kind="staff.two_factor_passed", actor=user, obj=user, ip=client_ip(request))
                return HttpResponseRedirect(_next(request, site))
            event_record(kind="staff.two_factor_failed", actor=user, obj=user, ip=client_ip(request))
            form.add_error("code", gettext("This code is not right. Type the code the app shows now."))
        context = {
            **site.each_context(request),
            "title": gettext("Set up the second step of logging in") if setting_up else gettext("Second step"),
            "form": form,
            "setting_up": setting_up,
            "next": request.GET.get("next", ""),
        }
        if setting_up:
            url = _config_url(device, user)
            context["qr_svg"] = segno.make(url, error="m").svg_inline(scale=4)
            context["secret"] = " ".join(
                base64.b32encode(device.bin_key).decode()[i : i + 4] for i in range(0, 32, 4)
            ).strip()
        return TemplateResponse(request, "admin/two_factor.html", context)

    return view


def _config_url(device: TOTPDevice, user) -> str:
    # The issuer as the app lists it: the utility's name, so several utilities' logins differ.
    from urllib.parse import quote

    issuer = UtilityProfile.get().short_name or "Kabinet"
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    label = quote(f"{issuer}:{user.get_username()}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}&digits={device.digits}&period={device.step}"
