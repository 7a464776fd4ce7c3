"""Back-office pages of the inspector's rounds: planning a route (premises picked by
street or building, in walking order) and a check's photo. Each calls a service or a
selector; nothing here decides a rule."""

import datetime as dt

from django.contrib import admin, messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kabinet.customers.models import Building
from kabinet.inspection import selectors, services
from kabinet.inspection.models import ControlCheck
from kabinet.utility.exceptions import ApplicationError

MAX_LISTED = 500


def plan(request: HttpRequest) -> HttpResponse:
    """GET: pick the premises (?street= or ?building=); POST: the route with the ticked
    premises in the order given (the order fields, then the list's order)."""
    street = request.GET.get("street", "").strip()[:150]
    building_id = request.GET.get("building", "")
    building_id = int(building_id) if building_id.isdecimal() else None
    candidates = list(selectors.premises_to_plan(street=street, building_id=building_id)[:MAX_LISTED])
    error = None
    values = {"date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(), "name": "", "inspector": ""}
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in values}
        chosen = []
        for n, premises in enumerate(candidates):
            if request.POST.get(f"take_{premises.pk}"):
                order = request.POST.get(f"order_{premises.pk}", "")
                chosen.append((int(order) if order.isdecimal() else 10_000 + n, n, premises))
        inspector = (
            selectors.inspectors().filter(pk=values["inspector"] if values["inspector"].isdecimal() else 0).first()
        )
        date = parse_date(values["date"] or "") if values["date"] else None
        try:
            if date is None:
                raise ApplicationError("date", _("Enter the route's date."), field="date")
            if inspector is None:
                raise ApplicationError("inspector", _("Choose the inspector."), field="inspector")
            route = services.route_plan(
                date=date,
                inspector=inspector,
                name=values["name"],
                premises=[p for _o, _n, p in sorted(chosen, key=lambda t: (t[0], t[1]))],
                actor=request.user,
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("The route is planned."))
            return redirect(reverse("admin:inspection_route_change", args=[route.pk]))
    context = {
        **admin.site.each_context(request),
        "title": _("Plan an inspection route"),
        "street": street,
        "building_id": building_id,
        "buildings": Building.objects.order_by("street", "house")[:MAX_LISTED],
        "candidates": candidates,
        "inspectors": selectors.inspectors(),
        "values": values,
        "error": error,
    }
    return TemplateResponse(request, "admin/inspection/plan.html", context, status=400 if error else 200)


def photo(request: HttpRequest, check_id: int) -> HttpResponse:
    """A check's photo, for staff who may see checks (office_view checks the permission)."""
    check = ControlCheck.objects.filter(pk=check_id).exclude(photo="").first()
    if check is None:
        raise Http404
    try:
        handle = check.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=check.photo_type or "application/octet-stream")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
