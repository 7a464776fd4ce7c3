"""Texts the utility writes itself, kept per language.

Opening hours, a meter's location, a news item: staff write them, so gettext cannot
translate them. Each is one column per language of settings.LANGUAGES (`<name>_lv`,
`<name>_ru`, `<name>_en`, as Service.name_* are) and the model exposes `<name>` as a
property made by translated(): it reads the text in the page's language and, when that
one is empty, in the utility's first language, then in any language that has one.
Assigning to it sets the utility's first language (what a plain text meant before the
texts were kept per language).

The back office shows the columns of the utility's enabled languages only
(kabinet.office.languages).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)


def utility_languages() -> list[str]:
    """The utility's enabled languages, its first (main) language first."""
    from kabinet.utility.models import UtilityProfile  # the profile's own texts use this module

    codes = [code for code in UtilityProfile.get().language_codes if code in LANGUAGE_CODES]
    return codes or [settings.LANGUAGE_CODE[:2]]


def first_language() -> str:
    return utility_languages()[0]


def translated_text(obj, name: str, language: str | None = None) -> str:
    """`obj`'s text `name` in `language` (default: the active one), else in the
    utility's first language, else in any language that has one; "" if none has."""
    wanted = (language or get_language() or "")[:2]
    if wanted in LANGUAGE_CODES:
        value = getattr(obj, f"{name}_{wanted}")
        if value:
            return value
    for code in dict.fromkeys([_first_of(obj), *LANGUAGE_CODES]):
        value = getattr(obj, f"{name}_{code}")
        if value:
            return value
    return ""


def _first_of(obj) -> str:
    """The first language of the profile itself, or of the deployment's profile."""
    codes = [code for code in getattr(obj, "language_codes", ()) if code in LANGUAGE_CODES]
    return codes[0] if codes else first_language()


def translated(name: str, verbose_name=None) -> property:
    """The property `<name>` over the columns `<name>_<lang>` (see the module's doc)."""

    def get(self) -> str:
        return translated_text(self, name)

    def set(self, value: str) -> None:
        setattr(self, f"{name}_{_first_of(self)}", value)

    get.translated_name = name  # found by translated_columns()
    if verbose_name is not None:
        get.short_description = verbose_name  # the column's title in admin lists
    return property(get, set, doc=f"The {name} in the page's language (kabinet.utility.translated).")


def translated_values(obj, name: str) -> dict[str, str]:
    """Every language's column of `name`, to copy the text to another row."""
    return {f"{name}_{code}": getattr(obj, f"{name}_{code}") for code in LANGUAGE_CODES}


def translated_columns(model) -> dict[str, str]:
    """{column: language} of every text `model` keeps per language with translated()."""
    names = [
        attr.fget.translated_name
        for klass in model.__mro__
        for attr in vars(klass).values()
        if isinstance(attr, property) and hasattr(attr.fget, "translated_name")
    ]
    return {f"{name}_{code}": code for name in names for code in LANGUAGE_CODES}


def translated_required(obj, *names: str) -> None:
    """For Model.clean(): each of `names` needs a text in one language at least; the
    error goes on the utility's first language, the one every page falls back to."""
    errors = {
        f"{name}_{_first_of(obj)}": ValidationError(
            _("Write this text in the utility's first language at least."), code="required"
        )
        for name in names
        if not any(getattr(obj, f"{name}_{code}") for code in LANGUAGE_CODES)
    }
    if errors:
        raise ValidationError(errors)
