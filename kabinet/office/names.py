"""The back office's titles with the model's name in the right case.

Django's admin builds "Change %s", "Add %s", "Select %s to change" and the delete
question from the model's verbose name, which is a noun in the nominative: Latvian then
reads "Labot klients" and Russian "Изменить заявка". In both languages the object of a
verb is in the accusative ("Labot klientu", "Изменить заявку"), so the office site gives
every ModelAdmin AccusativeTitlesMixin, which puts the accusative form in those titles.

The forms are translations with the context "accusative" of each verbose name, listed
in ACCUSATIVE so that makemessages finds them (a test checks that every model of the
back office is listed). English needs none: an untranslated form is the verbose name.
The messages after a save ("The customer … was changed successfully") keep the
nominative, which is right there. Django's sentences that cannot take either case as
they are translated are translated again here (DJANGO_SENTENCES).
"""

from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop, pgettext_lazy

# verbose_name (English, as written in the model) -> its accusative, translated.
ACCUSATIVE = {
    "API token": pgettext_lazy("accusative", "API token"),
    "automatic payment": pgettext_lazy("accusative", "automatic payment"),
    "automatic payment attempt": pgettext_lazy("accusative", "automatic payment attempt"),
    "saved card": pgettext_lazy("accusative", "saved card"),
    "Telegram chat": pgettext_lazy("accusative", "Telegram chat"),
    "phone call": pgettext_lazy("accusative", "phone call"),
    "account": pgettext_lazy("accusative", "account"),
    "activation code": pgettext_lazy("accusative", "activation code"),
    "agent registry layout": pgettext_lazy("accusative", "agent registry layout"),
    "authenticator app": pgettext_lazy("accusative", "authenticator app"),
    "bank statement": pgettext_lazy("accusative", "bank statement"),
    "billing run": pgettext_lazy("accusative", "billing run"),
    "building": pgettext_lazy("accusative", "building"),
    "building balance": pgettext_lazy("accusative", "building balance"),
    "building meter": pgettext_lazy("accusative", "building meter"),
    "building meter reading": pgettext_lazy("accusative", "building meter reading"),
    "correction": pgettext_lazy("accusative", "correction"),
    "correction request": pgettext_lazy("accusative", "correction request"),
    "consent record": pgettext_lazy("accusative", "consent record"),
    "control check": pgettext_lazy("accusative", "control check"),
    "data export": pgettext_lazy("accusative", "data export"),
    "erasure request": pgettext_lazy("accusative", "erasure request"),
    "external identity": pgettext_lazy("accusative", "external identity"),
    "privacy notice": pgettext_lazy("accusative", "privacy notice"),
    "customer": pgettext_lazy("accusative", "customer"),
    "page version": pgettext_lazy("accusative", "page version"),
    "published document": pgettext_lazy("accusative", "published document"),
    "utility page": pgettext_lazy("accusative", "utility page"),
    "e-mail or SMS with readings": pgettext_lazy("accusative", "e-mail or SMS with readings"),
    "e-mail preference": pgettext_lazy("accusative", "e-mail preference"),
    "event": pgettext_lazy("accusative", "event"),
    "e-invoice recipient": pgettext_lazy("accusative", "e-invoice recipient"),
    "inspection route": pgettext_lazy("accusative", "inspection route"),
    "group": pgettext_lazy("accusative", "group"),
    "invitation": pgettext_lazy("accusative", "invitation"),
    "invoice": pgettext_lazy("accusative", "invoice"),
    "key rate": pgettext_lazy("accusative", "key rate"),
    "ledger entry": pgettext_lazy("accusative", "ledger entry"),
    "meter": pgettext_lazy("accusative", "meter"),
    "meter photo": pgettext_lazy("accusative", "meter photo"),
    "print batch": pgettext_lazy("accusative", "print batch"),
    "news item": pgettext_lazy("accusative", "news item"),
    "norm": pgettext_lazy("accusative", "norm"),
    "online payment": pgettext_lazy("accusative", "online payment"),
    "outage notice": pgettext_lazy("accusative", "outage notice"),
    "outgoing message": pgettext_lazy("accusative", "outgoing message"),
    "payment": pgettext_lazy("accusative", "payment"),
    "portal access": pgettext_lazy("accusative", "portal access"),
    "premises": pgettext_lazy("accusative", "premises"),
    "reading file import": pgettext_lazy("accusative", "reading file import"),
    "reading": pgettext_lazy("accusative", "reading"),
    "reception message": pgettext_lazy("accusative", "reception message"),
    "registration application": pgettext_lazy("accusative", "registration application"),
    "request category": pgettext_lazy("accusative", "request category"),
    "service request": pgettext_lazy("accusative", "service request"),
    "service": pgettext_lazy("accusative", "service"),
    "subscribed service": pgettext_lazy("accusative", "subscribed service"),
    "tariff": pgettext_lazy("accusative", "tariff"),
    "user": pgettext_lazy("accusative", "user"),
    "utility profile": pgettext_lazy("accusative", "utility profile"),
}


def accusative(opts) -> str:
    """The model's verbose name as the object of a verb, in the active language."""
    form = ACCUSATIVE.get(opts.verbose_name_raw)
    return str(form) if form is not None else str(opts.verbose_name)


class AccusativeTitlesMixin:
    """A ModelAdmin's page titles with the model's name in the accusative."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if add:
            title = gettext("Add %s")
        elif self.has_change_permission(request, obj):
            title = gettext("Change %s")
        else:
            title = gettext("View %s")
        context["title"] = title % accusative(self.opts)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if changelist.is_popup:
            title = gettext("Select %s")
        elif self.has_change_permission(request):
            title = gettext("Select %s to change")
        else:
            title = gettext("Select %s to view")
        changelist.title = title % accusative(self.opts)
        return changelist

    def changelist_view(self, request, extra_context=None):
        # The "Add …" button (admin/change_list_object_tools.html).
        extra_context = {"add_label": capfirst(gettext("Add %s") % accusative(self.opts)), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def render_delete_form(self, request, context):
        # "Are you sure you want to delete the %(object_name)s …?", "Cannot delete %(name)s"
        name = accusative(self.opts)
        if context.get("perms_lacking") or context.get("protected"):
            context["title"] = gettext("Cannot delete %(name)s") % {"name": name}
        context["object_name"] = name
        return super().render_delete_form(request, context)


# Django's own admin sentences around a model's name, translated again in our catalogue
# (it comes before Django's): the Latvian ones took the name in the nominative where the
# sentence needs another case; the delete sentences now take the accusative given above.
DJANGO_SENTENCES = [
    gettext_noop("Cannot delete %(name)s"),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would result in deleting related objects, but your "
        "account doesn't have permission to delete the following types of objects:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would require deleting the following protected related "
        "objects:"
    ),
    gettext_noop(
        'Are you sure you want to delete the %(object_name)s "%(escaped_object)s"? All of the following related '
        "items will be deleted:"
    ),
    gettext_noop("Select all %(total_count)s %(module_name)s"),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop("Change selected %(model)s"),
    gettext_noop("Add another %(model)s"),
    gettext_noop("Delete selected %(model)s"),
    gettext_noop("View selected %(model)s"),
    gettext_noop(" By %(filter_title)s "),
    gettext_noop("%(app)s administration"),
    gettext_noop("Models in the %(name)s application"),
]
