"""What a report is asked for: a month, and optionally a service, a building or a street."""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import Building
from kabinet.lib.periods import add_months, month_end, month_start
from kabinet.utility.models import Service

# The filters a report may read (Report.filters names them).
PERIOD, SERVICE, BUILDING, STREET = "period", "service", "building", "street"


@dataclass(frozen=True)
class Filters:
    period: dt.date  # the first day of the month
    today: dt.date
    service: Service | None = None
    building: Building | None = None
    street: str = ""

    @property
    def previous(self) -> dt.date:
        return add_months(self.period, -1)

    @property
    def period_end(self) -> dt.date:
        return month_end(self.period)

    @property
    def as_of(self) -> dt.date:
        """The day figures "at the end of the month" are read for: the month's last day,
        or today while the month is still running."""
        return min(self.period_end, self.today) if self.period <= self.today else self.period_end

    def premises_q(self, prefix: str) -> Q:
        """The building and street filters on a relation to the premises (`prefix`, e.g.
        "invoice__account__premises")."""
        q = Q()
        if self.building is not None:
            q &= Q(**{f"{prefix}__building": self.building})
        if self.street:
            q &= Q(**{f"{prefix}__building__street": self.street})
        return q


def default_filters(today: dt.date | None = None) -> Filters:
    today = today or timezone.localdate()
    return Filters(period=month_start(today), today=today)


class ReportForm(forms.Form):
    """The filters as a GET form: every field optional, the current month by default."""

    period = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), required=False)
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none(), required=False)
    street = forms.ChoiceField(label=_("Street"), required=False)

    def __init__(self, *args, fields: tuple[str, ...] = (PERIOD, SERVICE, BUILDING, STREET), **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        if PERIOD in self.fields:
            self.fields["period"].initial = default_filters().period  # shown when nothing is chosen
        if SERVICE in self.fields:
            self.fields["service"].queryset = Service.objects.order_by("sort_order", "code")
        if BUILDING in self.fields:
            self.fields["building"].queryset = Building.objects.order_by("street", "house", "city")
        if STREET in self.fields:
            streets = Building.objects.order_by("street").values_list("street", flat=True).distinct()
            self.fields["street"].choices = [("", "---------")] + [(s, s) for s in streets]

    def filters(self, today: dt.date | None = None) -> Filters:
        base = default_filters(today)
        if not self.is_valid():
            return base
        data = self.cleaned_data
        return Filters(
            period=month_start(data["period"]) if data.get("period") else base.period,
            today=base.today,
            service=data.get("service"),
            building=data.get("building"),
            street=data.get("street") or "",
        )
