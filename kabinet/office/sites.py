"""The back office's admin site: Django's, with a second factor for staff.

With settings.STAFF_TWO_FACTOR (on in production), a staff login is only half a login:
after the password the back office asks for a one-time code from an authenticator app
(TOTP, django-otp), and the first time it shows the QR code to set the app up. Until the
code is given no back-office page opens, whatever the login's roles.
"""

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _


def two_factor_required() -> bool:
    return settings.STAFF_TWO_FACTOR


class OfficeSite(admin.AdminSite):
    site_header = _("Kabinet back office")
    site_title = _("Kabinet back office")
    index_title = _("Back office")
    index_template = "admin/office/index.html"

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every model's admin records what it changes, before and after (office.audit),
        names the model in the right case in its titles (office.names) and shows the
        texts kept per language in the enabled languages only (office.languages)."""
        from kabinet.office.audit import AuditedAdminMixin
        from kabinet.office.languages import LanguageColumnsMixin
        from kabinet.office.names import AccusativeTitlesMixin

        base = admin_class or admin.ModelAdmin
        mixins = (AuditedAdminMixin, AccusativeTitlesMixin, LanguageColumnsMixin)
        audited = type(base.__name__, (*mixins, base), {"__module__": base.__module__})
        super().register(model_or_iterable, audited, **options)

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not two_factor_required() or request.user.is_verified()

    def login(self, request, extra_context=None):
        from kabinet.customers.admin import OfficeLoginForm  # throttled like the portal's login

        self.login_form = OfficeLoginForm
        user = request.user
        if two_factor_required() and user.is_authenticated and user.is_active and user.is_staff:
            if not user.is_verified():
                # The password is right: the second step.
                target = reverse("admin:two_factor", current_app=self.name)
                next_url = request.GET.get("next") or request.POST.get("next")
                return HttpResponseRedirect(f"{target}?next={next_url}" if next_url else target)
        return super().login(request, extra_context)

    def index(self, request, extra_context=None):
        """The home page: the work queues of the login's roles above Django's menu."""
        from kabinet.office.queues import queues_for

        context = {"queues": queues_for(request.user), **(extra_context or {})}
        return super().index(request, context)

    def get_urls(self):
        from kabinet.office import two_factor
        from kabinet.office.reports.views import report_urls

        return [
            path("two-factor/", two_factor.two_factor_view(self), name="two_factor"),
            *report_urls(self),
            *super().get_urls(),
        ]
