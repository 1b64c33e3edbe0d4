"""The website in a real browser: Playwright drives Debian's Chromium against a real uvicorn server.

Skipped only when /usr/bin/chromium is missing (`apt-get install chromium`).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real uvicorn server on 127.0.0.1 in a thread, with a library of a few related pages."""
    import uvicorn

    from innermeaning import explain
    from innermeaning.config import load_settings
    from innermeaning.store import Library
    from innermeaning.web.app import create_app
    from innermeaning.web.server import NoDelayProtocol

    settings = load_settings(home=tmp_path_factory.mktemp("browser-home"), engine="builtin")
    with Library(settings.db_path) as lib:
        for topic in ("rejection sensitivity", "people pleasing", "dreaming of water"):
            lib.save(explain(topic, settings=settings))
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                            http=NoDelayProtocol, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.problems = []  # console errors (a CSP violation shows up here) and failed requests
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("requestfailed", lambda r: page.problems.append(f"failed: {r.url}"))
    yield page
    context.close()


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB or RGBA PNG (what Chromium writes) into rows of raw pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, bpp, rows


def test_ask_follow_a_related_topic_search_and_see_a_real_page(server, page, tmp_path):
    page.goto(server + "/")
    assert page.get_by_role("heading", name="Browse by kind").is_visible()
    page.get_by_label("What are you going through?").fill("fear of rejection")
    page.get_by_role("button", name="Explain").click()
    page.wait_for_url("**/explainers/fear-of-rejection")
    assert page.locator("h1").inner_text() == "Fear of Rejection"
    assert page.get_by_role("heading", name="Gentle Advice").is_visible()

    shot = page.screenshot(full_page=True, path=str(tmp_path / "explainer.png"))
    assert len(shot) > 30_000  # a blank page compresses to a few KB
    width, bpp, rows = png_pixels(shot)
    colours = {row[x:x + 3] for row in rows[::7] for x in range(0, width * bpp, 11 * bpp)}
    background = max(colours, key=lambda c: sum(row.count(c) for row in rows[::50]))
    inked = sum(1 for row in rows[::7] for x in range(0, width * bpp, 5 * bpp) if row[x:x + 3] != background)
    assert len(colours) > 20 and inked > 500  # text in several colours, not one flat colour

    related = page.locator("aside.related a[href^='/explainers/']").first
    target = related.inner_text()
    related.click()
    page.wait_for_url("**/explainers/*")
    assert page.locator("h1").inner_text() == target and target != "Fear of Rejection"

    page.get_by_label("Search the library").fill("rejection")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search?q=rejection")
    assert page.locator("ol.results li").count() >= 2
    assert page.locator("ol.results mark").first.inner_text().lower().startswith("rejection")
    assert page.problems == []


def test_a_crisis_topic_shows_resources_and_no_stored_address(server, page):
    page.goto(server + "/")
    page.get_by_label("What are you going through?").fill("I want to kill myself")
    page.get_by_role("button", name="Explain").click()
    page.wait_for_load_state()
    assert "/explain?topic=" in page.url
    assert page.get_by_role("heading", name="Reach someone now").is_visible()
    assert page.locator("ul.resources li").count() >= 1
    assert page.get_by_role("heading", name="Core Meaning").count() == 0


def test_the_site_works_without_javascript_and_fits_a_phone(server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740},
                                  is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_label("What are you going through?").fill("dreaming of water")
    page.get_by_role("button", name="Explain").click()
    page.wait_for_url("**/explainers/dreaming-of-water")
    box = page.locator("article.explainer").bounding_box()
    assert box["width"] <= 360  # no sideways scrolling on a narrow screen
    context.close()


def test_not_found_is_a_styled_page(server, page):
    response = page.goto(server + "/explainers/never-written")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert page.locator("header.site-header a.brand").is_visible()
