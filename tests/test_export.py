"""Exports: JSON Lines, one file per page, and a static website that works from disk and when hosted."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from innermeaning import Explainer, explain
from innermeaning.cli import app
from innermeaning.config import load_settings
from innermeaning.export import export_site
from innermeaning.store import Library

runner = CliRunner()
TOPICS = ["fear of rejection", "rejection sensitivity", "dreaming of water", "seeing 111"]


@pytest.fixture
def stored():
    pages = [explain(t) for t in TOPICS]
    with Library(load_settings().db_path) as lib:
        for page in pages:
            lib.save(page)
    return {p.slug: p for p in pages}


class Links(HTMLParser):
    """Collects href/src attributes and JSON-LD blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.jsonld: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src", "action"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        self._in_jsonld = tag == "script" and attrs.get("type") == "application/ld+json"

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld.append(data)

    def handle_endtag(self, tag):
        self._in_jsonld = False


def export(site: Path, base_url: str = ""):
    with Library(load_settings().db_path) as lib:
        return export_site(lib, site, base_url)


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_the_static_site_has_every_page_and_its_links_resolve_on_disk(stored, tmp_path):
    site = tmp_path / "site"
    report = export(site)
    assert report.pages == len(stored)
    expected = {"index.html", "style.css", "sitemap.xml"} | {f"explainers/{s}.html" for s in stored}
    expected |= {f"kinds/{k}.html" for k in ("pattern", "emotion", "dream", "sign", "spiritual")}
    written = {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()}
    assert expected <= written
    for html_file in site.rglob("*.html"):
        for url in parse(html_file).urls:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "data", "tel", "mailto") or url.startswith("#"):
                continue
            assert not url.startswith("/"), f"{html_file}: {url} is not relative"
            target = (html_file.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{html_file.relative_to(site)} links to missing {url}"


def test_exported_explainers_look_like_the_site_and_carry_json_ld(stored, tmp_path):
    site = tmp_path / "site"
    export(site, base_url="https://example.org/meaning")
    page = site / "explainers" / "fear-of-rejection.html"
    html = page.read_text(encoding="utf-8")
    assert "<h1>Fear of Rejection</h1>" in html and "Related topics" in html
    assert 'href="../style.css"' in html and 'href="rejection-sensitivity.html"' not in html
    assert 'href="../explainers/rejection-sensitivity.html"' in html
    assert "<form" not in html  # no server behind a static site: no boxes that would go nowhere
    [block] = parse(page).jsonld
    data = json.loads(block)
    assert data["@type"] == "Article" and data["headline"] == "Fear of Rejection"
    assert data["url"] == "https://example.org/meaning/explainers/fear-of-rejection.html"
    assert data["dateModified"]


def test_the_sitemap_lists_every_page_with_absolute_links(stored, tmp_path):
    site = tmp_path / "site"
    export(site, base_url="https://example.org/")
    tree = ElementTree.parse(site / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in tree.findall("s:url/s:loc", ns)]
    assert "https://example.org/index.html" in locs
    assert {f"https://example.org/explainers/{s}.html" for s in stored} <= set(locs)
    assert "Sitemap: https://example.org/sitemap.xml" in (site / "robots.txt").read_text()


def test_json_ld_cannot_break_out_of_its_script_block(tmp_path):
    page = explain("dreaming of water").model_copy(update={"title": "Water </script><script>alert(1)</script>"})
    with Library(load_settings().db_path) as lib:
        lib.save(page)
    export(tmp_path / "site")
    html = (tmp_path / "site" / "explainers" / "dreaming-of-water.html").read_text()
    assert "<script>alert(1)" not in html
    assert json.loads(parse(tmp_path / "site" / "explainers" / "dreaming-of-water.html").jsonld[0])["headline"] == page.title


def test_export_site_command(stored, tmp_path):
    result = runner.invoke(app, ["export", "--site", str(tmp_path / "out"), "--base-url", "https://example.org"])
    assert result.exit_code == 0, result.output
    assert f"wrote {len(stored)} pages" in result.stderr
    index = (tmp_path / "out" / "index.html").read_text()
    assert "What are you going through?" in index and 'href="explainers/dreaming-of-water.html"' in index


def test_library_export_writes_json_lines(stored, tmp_path):
    result = runner.invoke(app, ["library", "export"])
    lines = result.stdout.strip().splitlines()
    assert [Explainer.model_validate_json(line).slug for line in lines] == sorted(stored)
    out = tmp_path / "all.jsonl"
    assert runner.invoke(app, ["library", "export", "-o", str(out)]).exit_code == 0
    assert out.read_text().splitlines() == lines


@pytest.mark.parametrize(("fmt", "suffix", "start"), [("markdown", ".md", "# "), ("html", ".html", "<!doctype html>")])
def test_library_export_writes_a_file_per_page(stored, tmp_path, fmt, suffix, start):
    out = tmp_path / fmt
    result = runner.invoke(app, ["library", "export", "--format", fmt, "--output", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(f"{s}{suffix}" for s in stored)
    assert (out / f"fear-of-rejection{suffix}").read_text().lstrip().lower().startswith(start)


def test_library_export_refuses_a_directory_format_without_a_directory(stored):
    result = runner.invoke(app, ["library", "export", "--format", "markdown"])
    assert result.exit_code == 2 and "give a directory with --output" in result.stderr


def test_library_show_prints_html_that_matches_the_site_partial(stored):
    html = runner.invoke(app, ["library", "show", "dreaming-of-water", "--format", "html"]).stdout
    assert re.search(r'<article class="explainer"', html) and "<h1>Dreaming of Water</h1>" in html
