"""The ordinary proof of a login before an identity is linked: the portal's login form's
own fields and check (kabinet.customers.forms), without "remember me"."""

from kabinet.customers.forms import LoginProofForm as ProofForm

__all__ = ["ProofForm"]
