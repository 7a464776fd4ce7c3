"""Regenerate the README's screenshots of the demo customer's dashboard.

    .venv/bin/python docs/screenshots.py

Builds a throwaway SQLite demo (`seed_demo --accounts 20`) in a temporary directory, serves it
with gunicorn and production settings (bench.common.serve), logs in as the demo customer in
headless Debian Chromium (/usr/bin/chromium, driven by Playwright) and writes
docs/screenshots/dashboard-desktop.png and dashboard-phone.png (English).
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import manage, serve  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As in conftest.py: no background traffic from Chromium on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-gpu",
    "--disable-sync",
]
CUSTOMER = ("alice@example.com", "kabinet-demo")
VIEWPORTS = {
    "dashboard-desktop.png": {"viewport": {"width": 1280, "height": 860}, "device_scale_factor": 1},
    "dashboard-phone.png": {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True},
}


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="kabinet-screenshots-") as tmp:
        os.environ["KABINET_VAR_DIR"] = tmp  # SQLite, static files and cache of this run only
        database_url = f"sqlite:///{tmp}/kabinet.sqlite3"
        manage("migrate", "--noinput", "-v", "0", database_url=database_url)
        manage("seed_demo", "--accounts", "20", database_url=database_url)
        manage("collectstatic", "--noinput", "-v", "0", database_url=database_url)
        OUT.mkdir(parents=True, exist_ok=True)
        with serve(database_url, workers=1) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for name, options in VIEWPORTS.items():
                context = browser.new_context(locale="en-US", **options)
                context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
                page = context.new_page()
                page.goto(f"{base}/login/")
                page.fill("input[name=identifier]", CUSTOMER[0])
                page.fill("input[name=password]", CUSTOMER[1])
                page.click("form:has(input[name=identifier]) button[type=submit]")
                page.wait_for_url(f"{base}/")
                page.screenshot(path=str(OUT / name), full_page=True)
                print(f"wrote {(OUT / name).relative_to(ROOT)}")
                context.close()
            browser.close()


if __name__ == "__main__":
    main()
