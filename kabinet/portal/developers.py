"""The page for developers: how to use the API with a personal token, with examples made
for this deployment (its real address) and this customer (their real meter ids): curl,
Python, and a Home Assistant REST sensor and REST command that submits a reading."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from kabinet.meters.models import MeterStatus
from kabinet.meters.selectors import meters_visible_to


@login_required
def developers(request: HttpRequest) -> HttpResponse:
    meters = list(
        meters_visible_to(request.user)
        .filter(status=MeterStatus.ACTIVE)
        .select_related("service", "premises__building")
        .order_by("premises_id", "service__sort_order", "serial_number")
    )
    api_base = request.build_absolute_uri("/api/v1/")
    return render(
        request,
        "portal/developers.html",
        {
            "api_base": api_base,
            "docs_url": request.build_absolute_uri(reverse("api-v1:openapi-view")),
            "schema_url": request.build_absolute_uri(reverse("api-v1:openapi-json")),
            "meters": meters,
            "meter": meters[0] if meters else None,
            "tokens_url": reverse("portal:api-tokens"),
        },
    )
