"""Checks shared by the report tests: the HTML parses, names no external URL, holds every
section; and the page opened in headless Chromium (Debian's chromium + chromium-driver,
driven by Selenium) renders its plots with a size and logs no console error. Screenshots go
to build/test-artifacts/ under the checkout (a stable path, printed by the test)."""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

SECTIONS = ("model", "memory", "timing", "accuracy", "optimize", "energy")
ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.stack, self.svgs = set(), [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for k, v in attrs:
            if k in ("src", "href", "xlink:href", "action", "srcset", "poster", "data") and v:
                self.links.append((tag, k, v))
        if tag == "svg":
            self.svgs.append(a.get("data-plot"))


def check_html(path: Path) -> _Page:
    """Parse the page; fail on any external reference; every section present."""
    text = path.read_text()
    page = _Page()
    page.feed(text)
    page.close()
    assert text.startswith("<!DOCTYPE html>")
    for s in SECTIONS:
        assert s in page.ids, f"section {s} missing"
    bad = [link for link in page.links if not link[2].startswith("#")]
    assert not bad, f"references outside the page: {bad[:5]}"
    for pattern in (r"https?:", r"""url\(\s*['"]?(?!#)""", r"""(src|href)\s*=\s*['"]?//""",
                    r"@import", r"<link\b", r"<script\b[^>]*\bsrc="):
        m = re.search(pattern, text, re.I)
        assert m is None, f"external reference {pattern}: ...{text[max(0, m.start() - 60):m.end() + 60]}..."
    return page


def open_in_chromium(path: Path, png_name: str) -> dict:
    """Open the page from disk in headless Chromium; full-page screenshot to
    ARTIFACTS/png_name. Returns {"png", "plots": [(name, w, h)], "errors": [...]} and
    asserts there are plots, each with a size, and no console error."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    os.environ.setdefault("SE_OFFLINE", "true")     # never let Selenium fetch a driver
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1100,1000", "--hide-scrollbars"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.get(path.resolve().as_uri())
        assert driver.execute_script("return document.readyState") == "complete"
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1100, min(int(height) + 40, 16000))
        plots = [(e.get_attribute("data-plot"), e.size["width"], e.size["height"])
                 for e in driver.find_elements(By.CSS_SELECTOR, "svg.plot")]
        # paths drawn inside the plots: the SVG content rendered, not just the box
        drawn = driver.execute_script(
            "return Array.from(document.querySelectorAll('svg.plot')).map("
            "s => s.querySelectorAll('path, use').length)")
        sections = {s: driver.find_element(By.ID, s).size["height"] for s in SECTIONS}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        png = ARTIFACTS / png_name
        assert driver.save_screenshot(str(png))
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    finally:
        driver.quit()
    print(f"screenshot: {png}")
    assert plots, "no plot on the page"
    for (name, w, h), n in zip(plots, drawn):
        assert w > 100 and h > 50, (name, w, h)
        assert n > 10, (name, n)
    assert all(h > 0 for h in sections.values()), sections
    assert not errors, errors
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return dict(png=png, plots=plots, errors=errors)
