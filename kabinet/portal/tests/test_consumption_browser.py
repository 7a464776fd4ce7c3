"""The consumption chart on a 360 px phone, in a real browser: labels legible, beside the
bars and not cut off."""

import datetime as dt

import pytest
import time_machine

from kabinet.billing.tests.factories import bill_and_publish, tariff
from kabinet.portal.tests.test_consumption_page import read

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GEOMETRY = """() => [...document.querySelectorAll('figure.chart > svg')].map(svg => {
  const box = el => el.getBoundingClientRect();
  const months = [...svg.querySelectorAll('text.month')].map(box);
  const values = [...svg.querySelectorAll('text:not(.month)')].map(box);
  const bars = [...svg.querySelectorAll('rect')].map(box);
  return {
    svg: box(svg).toJSON(),
    fonts: [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize)),
    monthsRight: Math.max(...months.map(b => b.right)),
    barsLeft: Math.min(...bars.map(b => b.left)),
    valuesRight: Math.max(...values.map(b => b.right)),
    rows: months.length,
  };
})"""


def test_it_draws_legible_charts_on_a_phone(live_server, page, personas, password):
    tariff(personas.services["cold_water"], "1.20")
    tariff(personas.services["hot_water"], "4.50")
    read(personas.alice_cold, dt.date(2025, 11, 1), "100.0", ["15.8", *["8.0"] * 10, "123.4"])
    read(personas.alice_hot, dt.date(2025, 11, 1), "50.0", ["2.0"] * 11)
    with time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)):
        bill_and_publish(dt.date(2026, 10, 1))

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=identifier]", "alice@example.com")
    page.fill("input[name=password]", password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/consumption/")

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    charts = page.evaluate(GEOMETRY)
    assert [c["rows"] for c in charts] == [12, 12]
    for chart in charts:
        assert min(chart["fonts"]) >= 12  # CSS pixels: the chart is not scaled down
        assert chart["monthsRight"] < chart["barsLeft"]  # "11.2026" ends before the bars start
        assert chart["valuesRight"] <= chart["svg"]["right"]  # "123.4" is not cut off
