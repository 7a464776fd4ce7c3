from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.autopay.models import Mode
from kabinet.lib.money import whole_cents


class MoneyField(forms.CharField):
    """An amount as the customer types it: 25,50 or 25.50."""

    def to_python(self, value):
        value = (super().to_python(value) or "").replace(",", ".").replace(" ", "")
        if not value:
            return None
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise forms.ValidationError(_("Enter an amount like 50.00.")) from None
        if not whole_cents(amount) or amount <= 0:
            raise forms.ValidationError(_("Enter an amount like 50.00."))
        return amount


class SetupForm(forms.Form):
    account = forms.TypedChoiceField(label=_("Account"), coerce=int)
    mode = forms.ChoiceField(label=_("When to pay"), choices=Mode.choices, widget=forms.RadioSelect)
    day = forms.TypedChoiceField(
        label=_("Day of the month"),
        choices=[("", "—")] + [(d, d) for d in range(1, 29)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    max_amount = MoneyField(
        label=_("Maximum amount"),
        help_text=_("An invoice above it is not charged: we tell you and you pay it yourself."),
    )
    method = forms.TypedChoiceField(label=_("Card"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args, accesses, methods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [
            (a.account_id, f"{a.account.number} · {a.account.premises.address}") for a in accesses
        ]
        self.fields["method"].choices = [("", _("A new card (you go to the payment page)"))] + [
            (m.pk, m.label) for m in methods
        ]
        if not methods:
            del self.fields["method"]

    def clean(self):
        data = super().clean()
        if data.get("mode") == Mode.DAY_OF_MONTH and not data.get("day"):
            self.add_error("day", _("Choose a day from 1 to 28."))
        return data
