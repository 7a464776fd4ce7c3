"""News and the outages at the customer's addresses over the API (news.selectors, as the
portal's news and outage pages and the dashboard's outage notice)."""

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from kabinet.api.auth import scope_require
from kabinet.api.common import AUTH, ETAG_EXTRA, PageParams, PathId, accesses, etag, page_of
from kabinet.customers.models import TokenScope
from kabinet.news.selectors import news_published, outages_for_building

router = Router(tags=["news"], auth=AUTH)


class NewsOut(Schema):
    id: int
    title: str
    body: str
    publish_at: dt.datetime
    updated: dt.datetime
    has_image: bool


class NewsListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[NewsOut]


class OutageOut(Schema):
    id: int
    kind: str
    kind_label: str
    service: str
    service_name: str
    title: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    premises_ids: list[int]  # which of my premises it affects
    addresses: list[str]


def _news_out(item) -> dict:
    return {
        "id": item.pk,
        "title": item.title,
        "body": item.body,
        "publish_at": item.publish_at,
        "updated": item.updated,
        "has_image": bool(item.image),
    }


@router.get("/news", response=NewsListOut, summary="News from the utility, newest first", openapi_extra=ETAG_EXTRA)
@etag
def news_list(request: HttpRequest, page: PageParams):
    scope_require(request, TokenScope.NEWS_READ)
    found = page_of(news_published(), page)
    found["items"] = [_news_out(n) for n in found["items"]]
    return found


@router.get("/news/{news_id}", response=NewsOut, summary="One news item")
def news_detail(request: HttpRequest, news_id: PathId):
    scope_require(request, TokenScope.NEWS_READ)
    return _news_out(get_object_or_404(news_published(), pk=news_id))


@router.get("/outages", response=list[OutageOut], summary="Current outages at my addresses", openapi_extra=ETAG_EXTRA)
@etag
def outage_list(request: HttpRequest):
    _grant, rows = accesses(request, TokenScope.NEWS_READ)
    found: dict[int, dict] = {}
    for premises in {a.account.premises_id: a.account.premises for a in rows}.values():
        for outage in outages_for_building(premises.building):
            out = found.setdefault(
                outage.pk,
                {
                    "id": outage.pk,
                    "kind": outage.kind,
                    "kind_label": outage.get_kind_display(),
                    "service": outage.service.code,
                    "service_name": outage.service.name,
                    "title": outage.title,
                    "description": outage.description,
                    "starts_at": outage.starts_at,
                    "ends_at": outage.ends_at,
                    "premises_ids": [],
                    "addresses": [],
                },
            )
            out["premises_ids"].append(premises.pk)
            out["addresses"].append(premises.address)
    return sorted(found.values(), key=lambda o: (o["starts_at"], o["id"]))
