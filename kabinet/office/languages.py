"""Back-office forms show the texts kept per language (kabinet.utility.translated) in the
utility's enabled languages only: a Russian utility's staff see no Latvian and English
boxes. The office site gives every ModelAdmin this mixin (kabinet/office/sites.py)."""

from kabinet.utility.models import UtilityProfile
from kabinet.utility.translated import LANGUAGE_CODES, translated_columns, utility_languages


class LanguageColumnsMixin:
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        columns = translated_columns(self.model)
        if not columns:
            return fieldsets
        # The profile's own form follows the languages saved on it.
        enabled = utility_languages()
        if isinstance(obj, UtilityProfile):
            enabled = [code for code in obj.language_codes if code in LANGUAGE_CODES] or enabled
        hidden = {column for column, code in columns.items() if code not in enabled}
        return [(title, {**options, "fields": _without(options["fields"], hidden)}) for title, options in fieldsets]


def _without(fields, hidden: set[str]) -> list:
    out = []
    for field in fields:
        if isinstance(field, list | tuple):  # a row of fields
            row = [name for name in field if name not in hidden]
            if row:
                out.append(tuple(row))
        elif field not in hidden:
            out.append(field)
    return out
