"""The inspector's phone pages (/inspection/): today's routes, a route with a form per
stop. Thin: reads through selectors, writes through services.stop_record().

Every page is behind the back office's login (second factor included) and the
permission to record checks (kabinet.utility.office.office_view in urls.py); a route or
stop of another inspector is a 404. Plain forms work without JavaScript; with it
(static/inspection/inspection-offline.js) a form sent without a connection waits on the
device and is sent once when it returns: the form's client_uuid makes a resend a replay.
"""

import datetime as dt
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kabinet.inspection import selectors, services
from kabinet.inspection.models import StopOutcome
from kabinet.utility.exceptions import ApplicationError

# A check queued on the phone keeps the time it was taken, within reason.
QUEUE_MAX_AGE = dt.timedelta(days=7)


@require_GET
def today(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate()
    routes = list(selectors.routes_for_inspector(request.user, today=day))
    return render(request, "inspection/today.html", {"routes": routes, "day": day})


@require_GET
def route(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.route_for_inspector(request.user, pk)
    if found is None:
        raise Http404
    return _route_page(request, found)


def _route_page(request, found, *, failed=None, error=None, status=200) -> HttpResponse:
    """The route with a form per stop; `failed` is the stop whose post was refused, shown
    again with what was entered and the reasons."""
    stops = selectors.route_stops(found)
    for stop in stops:
        posted = request.POST if failed is not None and stop.pk == failed.pk else None
        meter_errors = (error.extra.get("meters", {}) if error else {}) if posted is not None else {}
        stop.rows = [
            {
                "meter": meter,
                "value": posted.get(f"value_{meter.pk}", "") if posted else "",
                "seal_broken": bool(posted and posted.get(f"seal_broken_{meter.pk}")),
                "damaged": bool(posted and posted.get(f"damaged_{meter.pk}")),
                "note": posted.get(f"note_{meter.pk}", "") if posted else "",
                "error": meter_errors.get(meter.pk, ""),
            }
            for meter in stop.premises.active_meters
        ]
        stop.error = error.message if posted is not None and error else ""
        stop.posted_outcome = posted.get("outcome", StopOutcome.DONE) if posted else StopOutcome.DONE
        stop.posted_note = posted.get("note", "") if posted else ""
        stop.client_uuid = uuid.uuid4()
    context = {
        "route": found,
        "stops": stops,
        "left": sum(1 for s in stops if not s.outcome),
        "outcomes": StopOutcome.choices,
    }
    return render(request, "inspection/route.html", context, status=status)


def _taken_at(raw: str) -> dt.datetime:
    """The time the phone says the check was taken (a queued form's), or now."""
    now = timezone.now()
    when = parse_datetime(raw or "")
    if when is None:
        return now
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if not now - QUEUE_MAX_AGE <= when <= now + dt.timedelta(minutes=5):
        return now
    return min(when, now)


@require_POST
def stop_record(request: HttpRequest, pk: int) -> HttpResponse:
    stop = selectors.stop_for_inspector(request.user, pk)
    if stop is None:
        raise Http404
    try:
        client_uuid = uuid.UUID(request.POST.get("client_uuid", ""))
    except ValueError:
        client_uuid = uuid.uuid4()  # a form without its key: recorded once, as typed
    meter_ids = sorted(
        {int(name.split("_", 1)[1]) for name in request.POST if name.startswith("value_") and name[6:].isdecimal()}
    )
    checks = [
        services.CheckInput(
            meter_id=meter_id,
            value=request.POST.get(f"value_{meter_id}", ""),
            seal_intact=not request.POST.get(f"seal_broken_{meter_id}"),
            damaged=bool(request.POST.get(f"damaged_{meter_id}")),
            note=request.POST.get(f"note_{meter_id}", ""),
            photo=request.FILES.get(f"photo_{meter_id}"),
        )
        for meter_id in meter_ids
    ]
    try:
        stored = services.stop_record(
            stop=stop,
            inspector=request.user,
            outcome=request.POST.get("outcome", ""),
            client_uuid=client_uuid,
            checks=checks,
            note=request.POST.get("note", ""),
            taken_at=_taken_at(request.POST.get("taken_at", "")),
        )
    except ApplicationError as exc:
        return _route_page(request, stop.route, failed=stop, error=exc, status=400)
    flagged = sum(1 for c in stored if c.status == "flagged")
    if flagged:
        messages.warning(
            request, _("Stop %(order)s saved; a check differs and goes to the office.") % {"order": stop.order}
        )
    else:
        messages.success(request, _("Stop %(order)s saved.") % {"order": stop.order})
    return redirect(reverse("inspection:route", args=[stop.route_id]) + f"#stop-{stop.pk}")
