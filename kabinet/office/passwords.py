"""Staff passwords: longer than customers' (a back-office login opens every account)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext


class StaffPasswordValidator:
    """For a staff login, at least STAFF_PASSWORD_MIN_LENGTH characters; Django's other
    validators (common, numeric, similar to the login) apply to everyone."""

    def validate(self, password, user=None):
        if user is None or not (user.is_staff or user.is_superuser):
            return
        minimum = settings.STAFF_PASSWORD_MIN_LENGTH
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "A staff password must have at least %(min)d character.",
                    "A staff password must have at least %(min)d characters.",
                    minimum,
                )
                % {"min": minimum},
                code="staff_password_too_short",
            )

    def get_help_text(self):
        minimum = settings.STAFF_PASSWORD_MIN_LENGTH
        return ngettext(
            "A staff password must have at least %(min)d character.",
            "A staff password must have at least %(min)d characters.",
            minimum,
        ) % {"min": minimum}
