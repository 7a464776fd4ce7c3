"""Forms of the access pages: they check the shape of the input only; the services decide."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import AccessRole
from kabinet.utility.models import RegistrationProof, UtilityProfile

client_code_field = RegexValidator(r"^[0-9]{5}$", _("The client code is 5 digits, printed on your invoice."))
account_number_field = RegexValidator(
    r"^[0-9]{6,20}$", _("The account number is 6 to 20 digits, printed on your invoice.")
)


def _label_proof(field, label_with_number) -> None:
    """The proof's label says what the utility accepts (UtilityProfile.registration_proof)."""
    if UtilityProfile.get().registration_proof == RegistrationProof.AMOUNT_OR_NUMBER:
        field.label = label_with_number


def _password(label, autocomplete="new-password"):
    return forms.CharField(
        label=label, strip=False, max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": autocomplete})
    )


class NewPasswordMixin(forms.Form):
    """Two password fields that must agree; strength is judged by the service."""

    password = _password(_("New password"))
    password2 = _password(_("New password again"))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ. Type the same password twice."))
        return data


class RegistrationForm(NewPasswordMixin):
    client_code = forms.CharField(
        label=_("Client code"),
        max_length=5,
        validators=[client_code_field],
        help_text=_("5 digits, printed on your invoice under your name."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    proof = forms.CharField(
        label=_("Amount to pay on your last invoice"),
        max_length=40,
        help_text=_("A detail from inside your last invoice proves it is yours, e.g. 23.45."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(
        label=_("First name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    email = forms.EmailField(
        label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    consent = forms.BooleanField(
        label=_("I agree that the utility processes my personal data to provide the customer portal."),
        error_messages={"required": _("The portal cannot be used without this consent.")},
    )

    field_order = ["client_code", "proof", "first_name", "last_name", "email", "password", "password2", "consent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _label_proof(self.fields["proof"], _("Amount or number of your last invoice"))


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class ResetByPhoneForm(EmailForm):
    account_number = forms.CharField(
        label=_("Account number"),
        max_length=20,
        validators=[account_number_field],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone given at registration"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    field_order = ["account_number", "phone", "email"]


class SetPasswordForm(NewPasswordMixin):
    pass


class CodeActivationForm(NewPasswordMixin):
    identifier = forms.CharField(
        label=_("Account number or client code from the letter"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "username"}),
    )
    code = forms.CharField(
        label=_("Activation code from the letter"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        max_length=254,
        help_text=_("For password recovery and notices."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    field_order = ["identifier", "code", "email", "password", "password2"]


class PasswordChangeForm(NewPasswordMixin):
    old_password = _password(_("Current password"), "current-password")
    field_order = ["old_password", "password", "password2"]


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("New e-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = _password(_("Current password"), "current-password")


class PremisesAddForm(forms.Form):
    account_number = forms.CharField(
        label=_("Account number"),
        max_length=20,
        validators=[account_number_field],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    proof = forms.CharField(
        label=_("Amount to pay on the last invoice for these premises"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _label_proof(self.fields["proof"], _("Amount or number of the last invoice for these premises"))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of the person"), max_length=254)
    role = forms.ChoiceField(
        label=_("The person may"),
        choices=[
            (AccessRole.READINGS, _("submit meter readings only")),
            (AccessRole.READINGS_INVOICES, _("submit readings and see invoices")),
        ],
        widget=forms.RadioSelect,
        initial=AccessRole.READINGS,
    )


class InvitationAcceptForm(NewPasswordMixin):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    field_order = ["first_name", "last_name", "password", "password2"]


class ApplicationForm(forms.Form):
    full_name = forms.CharField(label=_("Name and surname, or organisation"), max_length=200)
    account_number = forms.CharField(
        label=_("Account number"),
        max_length=20,
        validators=[account_number_field],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    client_code = forms.CharField(
        label=_("Client code (if you know it)"),
        max_length=5,
        required=False,
        validators=[client_code_field],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    address = forms.CharField(label=_("Address of the premises"), max_length=300)
    email = forms.EmailField(
        label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    message = forms.CharField(
        label=_("Message (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    consent = forms.BooleanField(
        label=_("I agree that the utility processes my personal data to provide the customer portal."),
        error_messages={"required": _("The portal cannot be used without this consent.")},
    )
