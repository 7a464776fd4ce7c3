"""Back-office forms (the admin's custom pages)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import Invoice
from kabinet.customers.models import Account
from kabinet.payments.models import RegistryLayout, StatementFormat

MAX_UPLOAD = 200 * 1024 * 1024


class AccountField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        account = Account.objects.filter(number=value.strip()).first()
        if account is None:
            raise forms.ValidationError(_("No account with this number."))
        return account


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=_("Statement file"))
    format = forms.ChoiceField(
        label=_("Format"), choices=[("", _("Recognise automatically")), *StatementFormat.choices], required=False
    )
    layout = forms.ModelChoiceField(
        label=_("Agent registry layout"), queryset=RegistryLayout.objects.all(), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        return upload


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason (kept in the audit trail)"), max_length=500)


class AssignForm(ReasonForm):
    account = AccountField(label=_("Account number"), max_length=20)


class SplitForm(ReasonForm):
    parts = forms.CharField(
        label=_("Parts: one line per account, “account number amount”"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_parts(self):
        parts = []
        for number, line in enumerate(self.cleaned_data["parts"].splitlines(), start=1):
            if not line.strip():
                continue
            bits = line.replace(";", " ").split()
            if len(bits) != 2:
                raise forms.ValidationError(_("Line %(n)s: write the account number and the amount.") % {"n": number})
            account = Account.objects.filter(number=bits[0]).first()
            if account is None:
                raise forms.ValidationError(_("Line %(n)s: no account %(number)s.") % {"n": number, "number": bits[0]})
            try:
                amount = Decimal(bits[1].replace(",", "."))
            except InvalidOperation:
                raise forms.ValidationError(_("Line %(n)s: the amount is not a number.") % {"n": number}) from None
            parts.append((account, amount))
        return parts


class CashierForm(forms.Form):
    account = AccountField(label=_("Account number"), max_length=20)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    method = forms.ChoiceField(label=_("Paid"), choices=[("cash", _("in cash")), ("card", _("by card"))])
    invoice = forms.CharField(label=_("For invoice (number, optional)"), max_length=20, required=False)
    payer_name = forms.CharField(label=_("Payer"), max_length=200, required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        number = (data.get("invoice") or "").strip()
        data["invoice"] = None
        if number and data.get("account"):
            invoice = Invoice.objects.filter(number=number, account=data["account"]).first()
            if invoice is None:
                self.add_error("invoice", _("This account has no invoice with this number."))
            data["invoice"] = invoice
        return data
