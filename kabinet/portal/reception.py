"""The contacts page with the virtual reception form (open to everyone), and the
customer's own conversations with the utility."""

import time
import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.reception.models import MAX_TEXT, MessageKind
from kabinet.reception.selectors import message_for_user, messages_for_user
from kabinet.reception.services import reception_message_send, reception_reply
from kabinet.utility.exceptions import ApplicationError

# Anti-spam without a third-party service: a hidden field people leave empty (bots fill
# it) and a signed time stamp of when the form was shown (bots post at once or replay
# an old form). Only for visitors without a login.
TOKEN_SALT = "kabinet.reception.form"  # nosec B105  # a signing salt, not a secret
MIN_FILL_SECONDS = 3
MAX_FORM_AGE = 24 * 3600


def form_token(now: float | None = None) -> str:
    return signing.dumps(int(now if now is not None else time.time()), salt=TOKEN_SALT)


class ReceptionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Type of message"), choices=MessageKind.choices)
    name = forms.CharField(
        label=gettext_lazy("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=gettext_lazy("E-mail for the answer"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    text = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_TEXT}),
    )
    # The trap and the time stamp.
    website = forms.CharField(required=False, label=gettext_lazy("Leave this field empty"))
    token = forms.CharField(required=False, widget=forms.HiddenInput)
    submit_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.logged_in = bool(user and user.is_authenticated)
        self.fields["submit_key"].initial = uuid.uuid4().hex
        if self.logged_in:
            # A login needs no anti-spam; name and e-mail come from it when it has them
            # (staff-made logins may have no e-mail: then the answer address is asked for).
            drop = ["website", "token"]
            if user.get_full_name():
                drop.append("name")
            if user.email:
                drop.append("email")
            for name in drop:
                del self.fields[name]
        else:
            self.fields["token"].initial = form_token()

    def clean(self):
        data = super().clean()
        if self.logged_in:
            return data
        if data.get("website"):
            raise forms.ValidationError(_("The message could not be sent. Please try again."), code="spam")
        try:
            shown = signing.loads(data.get("token") or "", salt=TOKEN_SALT)
        except signing.BadSignature:
            raise forms.ValidationError(
                _("The form has expired. Please check your message and send it again."), code="token"
            ) from None
        age = time.time() - int(shown)
        if age < MIN_FILL_SECONDS:
            raise forms.ValidationError(
                _("That was too fast. Please check your message and send it again."), code="fast"
            )
        if age > MAX_FORM_AGE:
            raise forms.ValidationError(
                _("The form has expired. Please check your message and send it again."), code="token"
            )
        return data


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def contacts(request: HttpRequest) -> HttpResponse:
    """The utility's phones, e-mail, address and hours, and the reception form."""
    form = ReceptionForm(request.POST or None, user=request.user, initial={"kind": request.GET.get("kind", "question")})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                message = reception_message_send(
                    kind=data["kind"],
                    subject=data["subject"],
                    text=data["text"],
                    name=data.get("name", ""),
                    email=data.get("email", ""),
                    phone=data.get("phone", ""),
                    user=request.user,
                    ip=_client_ip(request),
                    submit_key=data.get("submit_key") or None,
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    _("Your message %(number)s has been sent. The answer will come by e-mail.")
                    % {"number": message.number},
                )
                if request.user.is_authenticated:
                    return redirect("portal:reception-detail", message.pk)
                return redirect("portal:contacts")
        # A failed form gets a fresh time stamp (the visitor has already spent the time).
        if "token" in form.fields:
            data = form.data.copy()
            data["token"] = form_token(time.time() - MIN_FILL_SECONDS)
            form.data = data
    return render(request, "portal/reception/contacts.html", {"form": form})


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(messages_for_user(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "portal/reception/list.html", {"page": page})


@login_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = message_for_user(request.user, pk)
    if message is None:
        raise Http404
    return render(request, "portal/reception/detail.html", {"message": message, "max_text": MAX_TEXT})


@login_required
@require_POST
def message_reply(request: HttpRequest, pk: int) -> HttpResponse:
    message = message_for_user(request.user, pk)
    if message is None:
        raise Http404
    try:
        reception_reply(message=message, author=request.user, text=request.POST.get("text", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your reply has been sent."))
    return redirect("portal:reception-detail", message.pk)
