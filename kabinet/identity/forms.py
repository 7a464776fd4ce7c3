from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _


class ProofForm(forms.Form):
    """The ordinary proof of a login (as on the login page), before an identity is linked."""

    identifier = forms.CharField(
        label=_("Account number, client code or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def clean(self):
        identifier = self.cleaned_data.get("identifier")
        password = self.cleaned_data.get("password")
        if identifier and password:
            self.user_cache = authenticate(self.request, username=identifier, password=password)
            if self.user_cache is None:
                raise forms.ValidationError(
                    _("The login or password is wrong. Check the keyboard layout and Caps Lock, and try again."),
                    code="invalid_login",
                )
        return self.cleaned_data
