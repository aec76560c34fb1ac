"""Bytes and requests in a real Chromium: a first visit of `/`, then a tab switch."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def chromium(pw) -> str:
    """Debian's Chromium (or $JNT_CHROMIUM), else Playwright's own build."""
    for path in (os.environ.get("JNT_CHROMIUM"), "/usr/bin/chromium"):
        if path and Path(path).is_file():
            return path
    return pw.chromium.executable_path


class Meter:
    """Counts requests and encoded bytes (headers + body, as on the wire) through the DevTools protocol."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        self.reset()
        # data: URLs (icons inlined in the CSS) never reach the network: not counted.
        self.cdp.on("Network.requestWillBeSent", lambda e: self._sent(e["request"]["url"]))
        self.cdp.on("Network.loadingFinished", lambda e: self.sizes.append(e["encodedDataLength"]))

    def _sent(self, url: str):
        if not url.startswith("data:"):
            self.urls.append(url)

    def reset(self):
        self.urls, self.sizes = [], []

    def report(self) -> dict:
        return {"bytes": int(sum(self.sizes)), "requests": len(self.urls), "urls": list(self.urls)}


def measure(base: str) -> dict:
    """First visit (empty cache) and tab switch, plus any request to another host."""
    host = urlsplit(base).netloc
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(pw), args=ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        meter = Meter(page)
        page.goto(base + "/", wait_until="networkidle")
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_load_state("networkidle")
        first = meter.report()
        meter.reset()
        page.get_by_role("tab", name="Infos pratiques").click()
        page.locator("#onglet-infos-pratiques[aria-selected=true]").wait_for()
        page.wait_for_load_state("networkidle")
        switch = meter.report()
        browser.close()
    every = first["urls"] + switch["urls"]
    foreign = [u for u in every if u.startswith("http") and urlsplit(u).netloc != host]
    return {"first_visit": first, "tab_switch": switch, "foreign_requests": foreign}
