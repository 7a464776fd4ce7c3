"""Public pages: news, current outages, and their RSS/Atom feeds (no login needed)."""

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from kabinet.news.models import News, Outage, OutageKind
from kabinet.news.selectors import news_published, outages_current
from kabinet.utility.models import UtilityProfile

PAGE_SIZE = 10
FEED_ITEMS = 30


def news_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(news_published(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/news/list.html", {"page": page})


def news_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(news_published(), pk=pk)
    return render(request, "portal/news/detail.html", {"item": item})


def news_image(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(news_published(), pk=pk)
    if not item.image:
        raise Http404
    try:
        handle = item.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=item.image_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=86400"
    return response


def outages(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/news/outages.html", {"outages": list(outages_current())})


class NewsFeed(Feed):
    def title(self):
        return _("%(utility)s: news") % {"utility": UtilityProfile.get().short_name}

    def link(self):
        return reverse("portal:news")

    def description(self):
        return _("News from %(utility)s") % {"utility": UtilityProfile.get().name}

    def items(self):
        return news_published()[:FEED_ITEMS]

    def item_title(self, item: News):
        return item.title

    def item_description(self, item: News):
        return item.body  # feedgenerator escapes it: shown as text, never markup

    def item_link(self, item: News):
        return reverse("portal:news-detail", args=[item.pk])

    def item_pubdate(self, item: News):
        return item.publish_at

    def item_updateddate(self, item: News):
        return item.updated


class NewsAtomFeed(NewsFeed):
    feed_type = Atom1Feed
    subtitle = NewsFeed.description


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "d.m.Y H:i")


class OutagesFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return _("%(utility)s: outages") % {"utility": UtilityProfile.get().short_name}

    def link(self):
        return reverse("portal:outages")

    def subtitle(self):
        return _("Current planned and emergency outages")

    def items(self):
        return outages_current()[:FEED_ITEMS]

    def item_title(self, item: Outage):
        label = _("Emergency outage") if item.kind == OutageKind.EMERGENCY else _("Planned outage")
        return f"{label}: {item.service.name} — {item.title}"

    def item_description(self, item: Outage):
        streets = [s.street for s in item.streets.all()] + [str(b) for b in item.buildings.all()]
        end = _when(item.ends_at) if item.ends_at else _("not known yet")
        return "\n".join(
            [
                f"{_('From')}: {_when(item.starts_at)}",
                f"{_('Expected end')}: {end}",
                f"{_('Addresses')}: {'; '.join(streets)}",
                item.description,
            ]
        )

    def item_link(self, item: Outage):
        return f"{reverse('portal:outages')}#outage-{item.pk}"

    def item_pubdate(self, item: Outage):
        return item.created

    def item_updateddate(self, item: Outage):
        return item.created
