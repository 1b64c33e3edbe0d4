"""The website and JSON API, in-process (FastAPI TestClient): what a visitor and an API client see."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from innermeaning import explain
from innermeaning.config import load_settings
from innermeaning.store import Library
from innermeaning.web.app import create_app
from innermeaning.web.security import RateLimiter

CRISIS = "I want to kill myself"
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options",
                    "permissions-policy")


def make_client(**overrides) -> TestClient:
    return TestClient(create_app(load_settings(**overrides)), raise_server_exceptions=False)


@pytest.fixture
def client():
    with make_client() as c:
        yield c


def stored_slugs() -> list[str]:
    with Library(load_settings().db_path) as lib:
        return [s.slug for s in lib.recent(1000)]


def generate(client: TestClient, topic: str) -> str:
    response = client.get("/explain", params={"topic": topic}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


# -- pages -----------------------------------------------------------------------------------------


def test_home_asks_what_you_are_going_through_and_lists_kinds_and_pages(client):
    generate(client, "dreaming of water")
    html = client.get("/").text
    assert "What are you going through?" in html
    assert '<form class="topic-box" action="/explain" method="get">' in html
    for kind in ("pattern", "emotion", "behavior", "relationship", "dream", "sign", "body", "life", "spiritual"):
        assert f'href="/kinds/{kind}"' in html
    assert 'href="/explainers/dreaming-of-water"' in html
    assert "Recent pages" in html and "Most asked about" in html


def test_explain_stores_the_page_and_redirects_to_its_address(client):
    assert generate(client, "fear of rejection") == "/explainers/fear-of-rejection"
    page = client.get("/explainers/fear-of-rejection")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Fear of Rejection</h1>" in html
    for heading in ("Core Meaning", "Spiritual Perspective", "Psychological Perspective", "Possible Causes", "Gentle Advice"):
        assert f">{heading}</h2>" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'id="related-title">Related topics</h2>' in html
    assert stored_slugs() == ["fear-of-rejection"]


def test_the_explainer_carries_article_metadata(client):
    generate(client, "perfectionism")
    html = client.get("/explainers/perfectionism").text
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Article" and data["headline"] == "Perfectionism"
    assert data["url"].endswith("/explainers/perfectionism")


def test_related_topics_link_pages_that_share_concepts(client):
    generate(client, "fear of rejection")
    client.get("/explainers/fear-of-rejection")  # rendered and cached before its neighbour exists
    generate(client, "rejection sensitivity")
    html = client.get("/explainers/fear-of-rejection").text
    related = html.split('id="related-title"')[1]
    assert 'href="/explainers/rejection-sensitivity"' in related


def test_a_medical_topic_shows_its_safety_note(client):
    html = client.get(generate(client, "chest pain when anxious")).text
    assert "When to see a doctor" in html and "emergency services" in html


def test_asking_again_fetches_the_stored_page(client):
    generate(client, "people pleasing")
    with Library(load_settings().db_path) as lib:
        before = lib.record("people-pleasing")
    generate(client, "People pleasing?")
    with Library(load_settings().db_path) as lib:
        after = lib.record("people-pleasing")
        assert (after.version, after.updated, after.asks) == (1, before.updated, before.asks + 1)


def test_crisis_topics_get_resources_first_and_are_never_stored(client):
    response = client.get("/explain", params={"topic": CRISIS}, follow_redirects=False)
    assert response.status_code == 200
    html = response.text
    assert "Reach someone now" in html and 'class="resources"' in html
    assert "Core Meaning" not in html and "Related topics" not in html
    assert html.index("Reach someone now") < html.index("</article>")
    assert response.headers["cache-control"] == "no-store"
    assert stored_slugs() == []


def test_a_crisis_topic_is_never_redirected_to_a_stored_page(client):
    crisis = explain(CRISIS)
    decoy = explain("fear of rejection").model_copy(update={"slug": crisis.slug})
    with Library(load_settings().db_path) as lib:
        lib.save(decoy)
    response = client.get("/explain", params={"topic": CRISIS}, follow_redirects=False)
    assert response.status_code == 200 and "Reach someone now" in response.text
    api = client.get("/api/v1/explain", params={"topic": CRISIS}).json()
    assert api["safety"]["level"] == "crisis" and api["safety"]["resources"]


def test_with_storage_off_pages_are_shown_directly():
    with make_client(store=False) as c:
        response = c.get("/explain", params={"topic": "dreaming of water"}, follow_redirects=False)
    assert response.status_code == 200 and "<h1>Dreaming of Water</h1>" in response.text
    assert stored_slugs() == []


def test_search_page_highlights_matches_and_escapes_the_rest(client):
    generate(client, "dreaming of water")
    html = client.get("/search", params={"q": "water <script>x</script>"}).text
    assert "<mark>" in html.lower()
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    empty = client.get("/search", params={"q": "zzzunknownword"}).text
    assert "0 pages found" in empty and "Write a page about" in empty


def test_kind_pages_list_their_pages_and_unknown_kinds_are_404(client):
    generate(client, "dreaming of water")
    generate(client, "perfectionism")
    html = client.get("/kinds/dream").text
    assert "<h1>Dreams</h1>" in html and "/explainers/dreaming-of-water" in html
    assert "/explainers/perfectionism" not in html
    missing = client.get("/kinds/astrology")
    assert missing.status_code == 404 and "There is no kind called" in missing.text
    assert 'class="site-header"' in missing.text  # the error page is in the site's style


def test_unknown_pages_are_a_styled_404(client):
    for path in ("/explainers/never-written", "/no/such/place", "/explainers/Bad%20Slug"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Page not found" in response.text and 'class="site-header"' in response.text


def test_user_text_is_escaped_everywhere(client):
    hostile = '<img src=x onerror=alert(1)> "><script>alert(2)</script>'
    for path in ("/explain", "/"):  # the page made from it, then the home page that lists it
        html = client.get(path, params={"topic": hostile}).text
        assert "<img src=x" not in html.lower() and "<script>alert" not in html.lower()
        assert "&lt;img src=x onerror=alert(1)&gt;" in html.lower()
    refused = client.get("/explain", params={"topic": "<b>zzqx</b>"})
    assert refused.status_code == 422  # the error message quotes the topic: escaped too
    assert "<b>zzqx</b>" not in refused.text and "&lt;b&gt;zzqx&lt;/b&gt;" in refused.text


def test_every_response_carries_the_security_headers(client):
    for path in ("/", "/search?q=x", "/no-such-page", "/api/v1/explainers/nope", "/openapi.json", "/static/style.css"):
        headers = client.get(path).headers
        for name in SECURITY_HEADERS:
            assert name in headers, (path, name)
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "script-src 'none'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"


def test_the_stylesheet_is_one_cacheable_file_with_print_rules(client):
    home = client.get("/").text
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', home).group(1)
    css = client.get(href)
    assert css.headers["content-type"].startswith("text/css")
    assert "@media print" in css.text and "--accent" in css.text
    assert "immutable" in css.headers["cache-control"]


def test_absurdly_long_input_is_refused_early(client):
    assert client.get("/explain", params={"topic": "a" * 5000}).status_code == 422
    assert client.get("/search", params={"q": "a" * 300}).status_code == 422
    assert client.get("/?" + "x=" + "a" * 20_000).status_code == 414


def test_unexpected_failures_never_show_a_traceback(client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("innermeaning.web.service.Site.explainer_html", boom)
    monkeypatch.setattr("innermeaning.store.Library.get_json", boom)
    page = client.get("/explainers/anything")
    assert page.status_code == 500
    assert "secret" not in page.text and "Traceback" not in page.text and "Something went wrong" in page.text
    assert "content-security-policy" in page.headers
    api = client.get("/api/v1/explainers/anything")
    assert api.status_code == 500
    assert api.json() == {"error": {"status": 500, "message": "Something went wrong on our side. Please try again in a moment."}}


# -- rate limit ------------------------------------------------------------------------------------


def test_new_pages_are_rate_limited_per_client_but_stored_pages_are_not():
    with make_client(rate_limit=2) as c:
        generate(c, "fear of rejection")
        generate(c, "people pleasing")
        limited = c.get("/explain", params={"topic": "perfectionism"}, follow_redirects=False)
        assert limited.status_code == 429 and "Please slow down" in limited.text
        assert int(limited.headers["retry-after"]) > 0
        api = c.get("/api/v1/explain", params={"topic": "perfectionism"})
        assert api.status_code == 429 and api.json()["error"]["status"] == 429
        assert generate(c, "fear of rejection") == "/explainers/fear-of-rejection"  # stored: still open
        assert c.get("/api/v1/explain", params={"topic": "people pleasing"}).status_code == 200


def test_the_rate_limit_window_slides():
    now = [0.0]
    limiter = RateLimiter(2, 60.0, clock=lambda: now[0])
    limiter.hit("a")
    now[0] = 30.0
    limiter.hit("a")
    limiter.hit("b")  # clients are counted apart
    with pytest.raises(Exception) as caught:
        limiter.hit("a")
    assert caught.value.status == 429 and caught.value.retry_after == 30
    now[0] = 60.5  # the first hit has left the window
    limiter.hit("a")


# -- JSON API --------------------------------------------------------------------------------------


def test_api_explain_returns_the_cli_json_shape(client):
    response = client.get("/api/v1/explain", params={"topic": "fear of rejection"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == json.loads(explain("fear of rejection").model_dump_json())
    stored = client.get("/api/v1/explainers/fear-of-rejection")
    assert stored.json() == response.json()


def test_api_search_returns_results_with_snippets(client):
    client.get("/api/v1/explain", params={"topic": "dreaming of water"})
    body = client.get("/api/v1/search", params={"q": "water"}).json()
    assert set(body) == {"results"}
    hit = body["results"][0]
    assert set(hit) == {"slug", "title", "kind", "snippet"}
    assert hit["slug"] == "dreaming-of-water" and "<mark>" in hit["snippet"].lower()


@pytest.mark.parametrize(("path", "params", "status"), [
    ("/api/v1/explain", {"topic": ""}, 422),
    ("/api/v1/explain", {}, 422),
    ("/api/v1/explain", {"topic": "x" * 5000}, 422),
    ("/api/v1/explain", {"topic": "asdkjh qwpoeiu zxmcnb"}, 422),
    ("/api/v1/explainers/never-written", {}, 404),
    ("/api/v1/search", {}, 422),
    ("/api/v1/nothing-here", {}, 404),
])
def test_api_errors_are_a_json_envelope(client, path, params, status):
    response = client.get(path, params=params)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"} and body["error"]["status"] == status and body["error"]["message"]


def test_openapi_describes_the_api(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/explain", "/api/v1/explainers/{slug}", "/api/v1/search"} <= set(spec["paths"])
    assert "Explainer" in spec["components"]["schemas"]
    assert not any(p.startswith("/explainers") for p in spec["paths"])  # HTML pages are not API
