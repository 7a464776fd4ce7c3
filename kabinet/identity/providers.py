"""The OpenID Connect providers switched on by settings, and the client that talks to them.

Why Authlib (its Django client, `authlib.integrations.django_client`): one registry holds
any number of providers at once, each from its discovery document (`server_metadata_url`),
and it does what an OpenID Connect relying party must: `state` kept in the session and
checked on return (once), PKCE (S256), a `nonce` checked against the ID token, the ID
token's signature checked with the provider's JWKS (fetched again on an unknown key id),
and its `iss`, `aud`, `exp` and `at_hash` claims. It leaves Django's login, sessions and
the staff's second factor alone: we call `django.contrib.auth.login` ourselves.
mozilla-django-oidc is built around one provider per site (an authentication backend
reading OIDC_OP_* settings); django-allauth would bring its own account, e-mail and
signup machinery in beside ours. Authlib is maintained (the same authors' joserfc does
the JOSE part) and small for what it does.

Settings (kabinet/settings.py builds OIDC_PROVIDERS from the environment):
    OIDC_PROVIDERS = {"bank": {"name": "…", "issuer": "https://…", "discovery_url": "…",
                               "client_id": "…", "client_secret": "…",
                               "scopes": "openid", "acr_values": ""}, …}
Empty: the feature is off (no buttons, the pages answer 404).
"""

import logging
from dataclasses import dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from joserfc.errors import JoseError

from kabinet.utility.exceptions import ApplicationError

log = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
TIMEOUT = 10  # seconds, for discovery, JWKS and the token endpoint


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    issuer: str
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str = "openid"
    acr_values: str = ""


def providers() -> list[Provider]:
    """The configured providers, in the order of the setting."""
    found = []
    for key, conf in (getattr(settings, "OIDC_PROVIDERS", None) or {}).items():
        issuer = (conf.get("issuer") or "").rstrip("/")
        found.append(
            Provider(
                key=key,
                name=conf.get("name") or key,
                issuer=issuer,
                discovery_url=conf.get("discovery_url") or (issuer + DISCOVERY_PATH if issuer else ""),
                client_id=conf.get("client_id", ""),
                client_secret=conf.get("client_secret", ""),
                scopes=conf.get("scopes") or "openid",
                acr_values=conf.get("acr_values", ""),
            )
        )
    return found


def provider_get(key: str) -> Provider:
    """The provider with this key, or a 404: a key not (or no longer) configured."""
    for provider in providers():
        if provider.key == key:
            return provider
    raise Http404


# One Authlib client per provider configuration, kept between requests so that the
# discovery document and the keys are fetched once (Authlib caches them on the client;
# an unknown key id in an ID token fetches the JWKS again).
_clients: dict[Provider, object] = {}


def client_for(provider: Provider):
    """The Authlib client (DjangoOAuth2App) for one provider."""
    client = _clients.get(provider)
    if client is None:
        scopes = provider.scopes.split()
        if "openid" not in scopes:
            scopes.insert(0, "openid")  # without it there is no ID token, and no nonce
        registry = OAuth()
        client = registry.register(
            # The name prefixes the session keys of the pending states (_state_<name>_<state>).
            name=f"oidc_{provider.key}",
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.discovery_url,
            client_kwargs={"scope": " ".join(scopes), "code_challenge_method": "S256", "default_timeout": TIMEOUT},
        )
        _clients[provider] = client
    return client


def clients_reset() -> None:
    """Forget the cached discovery documents and keys (tests; a provider's key rotation
    is handled by the client itself)."""
    _clients.clear()


def callback_url(provider: Provider) -> str:
    """The redirect URI to register with the provider: on SITE_URL, not on the Host header."""
    return settings.SITE_URL + reverse("identity:callback", args=[provider.key])


def authorization_redirect(request: HttpRequest, provider: Provider) -> HttpResponse:
    """Send the browser to the provider's authorization endpoint; the state, the nonce and
    the PKCE verifier wait in the session for the return."""
    extra = {"acr_values": provider.acr_values} if provider.acr_values else {}
    try:
        return client_for(provider).authorize_redirect(request, callback_url(provider), **extra)
    except (requests.RequestException, ValueError, AuthlibBaseError, RuntimeError) as exc:
        log.warning("identity: discovery of %s failed: %s", provider.key, exc)
        raise _unreachable(provider) from exc


@dataclass(frozen=True)
class Verified:
    """An identity the provider vouched for in a signed ID token."""

    provider: str
    issuer: str
    subject: str


def authorization_verify(request: HttpRequest, provider: Provider) -> Verified:
    """Check the provider's answer on the callback: no error, our state (once), the code
    exchanged at the token endpoint with the PKCE verifier, and an ID token signed with
    the provider's key, for us, with our nonce, from the configured issuer. Raises
    ApplicationError with a message for the person; nothing is signed in."""
    client = client_for(provider)
    try:
        token = client.authorize_access_token(request)
    except MismatchingStateError as exc:
        raise ApplicationError(
            "identity_state",
            _("This sign-in has expired or was already used. Please start again."),
        ) from exc
    except OAuthError as exc:
        if exc.error == "access_denied":
            raise ApplicationError(
                "identity_cancelled", _("The sign-in at %(provider)s was cancelled.") % {"provider": provider.name}
            ) from exc
        log.warning("identity: %s refused: %s %s", provider.key, exc.error, exc.description)
        raise _refused(provider) from exc
    except (JoseError, AuthlibBaseError, ValueError, KeyError) as exc:
        # A bad signature, another nonce, audience or issuer, an expired token.
        log.warning("identity: %s answered with an ID token we do not accept: %r", provider.key, exc)
        raise _refused(provider) from exc
    except requests.RequestException as exc:
        log.warning("identity: %s unreachable: %s", provider.key, exc)
        raise _unreachable(provider) from exc
    claims = token.get("userinfo") or {}
    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    # Discovery 4.3: the issuer in the document must be the one we were configured with
    # (Authlib has already checked the token's "iss" against the document's).
    if not issuer or not subject or (provider.issuer and issuer.rstrip("/") != provider.issuer):
        log.warning("identity: %s gave no usable iss/sub (iss=%r)", provider.key, issuer)
        raise _refused(provider)
    # Asked for a method or an assurance level (a bank, eParaksts, Smart-ID at "substantial"):
    # the token must say it was met, or a weaker sign-in would pass for it.
    if provider.acr_values and str(claims.get("acr") or "") not in provider.acr_values.split():
        log.warning(
            "identity: %s signed in at acr=%r, not one of %r", provider.key, claims.get("acr"), provider.acr_values
        )
        raise _refused(provider)
    return Verified(provider=provider.key, issuer=issuer, subject=subject)


def _refused(provider: Provider) -> ApplicationError:
    return ApplicationError(
        "identity_invalid",
        _("%(provider)s did not confirm who you are. Please try again, or log in with your password.")
        % {"provider": provider.name},
    )


def _unreachable(provider: Provider) -> ApplicationError:
    return ApplicationError(
        "identity_unreachable",
        _("%(provider)s cannot be reached just now. Please try again later, or log in with your password.")
        % {"provider": provider.name},
    )
