"""Forms of service requests: the photo field both doors share, and the office's form for a
request staff file on a customer's behalf (a phone call)."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.servicedesk.models import MAX_DESCRIPTION


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Request photos: several files in one input (the portal's and the office's forms)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/heic,.heic"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class StaffRequestForm(forms.Form):
    category = forms.TypedChoiceField(label=_("What happened?"), coerce=int)
    meter = forms.TypedChoiceField(label=_("Meter (for meter work)"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_DESCRIPTION}),
    )
    phone = forms.CharField(label=_("Contact phone"), max_length=30, widget=forms.TextInput(attrs={"type": "tel"}))
    preferred_time = forms.CharField(label=_("Preferred time for a visit"), max_length=200, required=False)
    photos = MultipleFileField(
        label=_("Photos"), required=False, help_text=_("Up to 5 photos, JPEG, PNG or HEIC, up to 10 MB each")
    )
    submit_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, categories, meters, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submit_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [(c.pk, c.name) for c in categories]
        self.fields["meter"].choices = [("", "—")] + [(m.pk, f"{m.service.name} № {m.serial_number}") for m in meters]
