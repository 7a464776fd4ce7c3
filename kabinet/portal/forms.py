from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.customers.forms import LoginProofForm


class LoginForm(LoginProofForm):
    remember = forms.BooleanField(label=_("Remember me on this computer"), required=False)
