"""Export the library: JSON Lines, one file per page (Markdown or HTML), or a static website.

The static site is what a publisher can upload as is: index.html, kinds/<kind>.html,
explainers/<slug>.html, style.css and sitemap.xml. Every link is relative, so it also works opened
straight from disk (file://). Each explainer carries schema.org Article metadata as JSON-LD.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape as xml_escape

from .errors import StoreError
from .store import Library

#: Extension per single-page format.
SUFFIXES = {"markdown": ".md", "html": ".html", "json": ".json"}
RELATED = 6


@dataclass(frozen=True)
class SiteExport:
    """What export_site() wrote."""

    directory: Path
    pages: int
    files: int


def export_jsonl(library: Library, out: TextIO) -> int:
    """Every page as one JSON object per line (the public shape); returns how many."""
    count = 0
    for body in library.iter_json():
        out.write(body + "\n")
        count += 1
    return count


def export_pages(library: Library, directory: Path, fmt: str) -> int:
    """Every page as its own file, `<slug>.md`, `.html` or `.json`, in `directory`; returns how many."""
    from .render import RENDERERS

    if fmt not in SUFFIXES:
        raise StoreError(f"cannot export pages as {fmt!r}: choose one of {', '.join(SUFFIXES)}")
    directory = _directory(directory)
    count = 0
    for page in library.iter_pages():
        _write(directory / f"{page.slug}{SUFFIXES[fmt]}", RENDERERS[fmt](page))
        count += 1
    return count


def export_site(library: Library, directory: Path, base_url: str = "") -> SiteExport:
    """A static website of the whole library in `directory`. `base_url` makes sitemap links absolute."""
    from .models import Kind
    from .web.templating import StaticLinks, kinds, render, render_explainer, stylesheet

    directory = _directory(directory)
    base = base_url.rstrip("/") + "/" if base_url else ""
    top, nested = StaticLinks(""), StaticLinks("../")
    files: list[tuple[str, str]] = []  # (path relative to the site root, last modified)

    _write(directory / "style.css", stylesheet())
    count = 0
    for page in library.iter_pages():
        record = library.record(page.slug)
        path = f"explainers/{page.slug}.html"
        html = render_explainer(
            page, nested, related=library.related(page.slug, RELATED), stored=True, url=base + path,
            version=record.version, created=record.created, updated=record.updated,
        )
        _write(directory / path, html)
        files.append((path, record.updated))
        count += 1
    for kind in Kind:
        path = f"kinds/{kind.value}.html"
        pages = library.recent(library.count(kind) or 1, kind=kind)
        _write(directory / path, render("kind.html", links=nested, info=kinds()[kind.value], pages=pages, pager=None))
        files.append((path, ""))
    _write(directory / "index.html", render(
        "home.html", links=top, counts=library.counts_by_kind(), recent=library.recent(12),
        popular=library.popular(12),
    ))
    files.insert(0, ("index.html", ""))
    _write(directory / "sitemap.xml", sitemap(files, base))
    if base:
        _write(directory / "robots.txt", f"User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n")
    return SiteExport(directory, count, len(files) + 2)


def sitemap(files: list[tuple[str, str]], base: str) -> str:
    """A sitemaps.org urlset; locations are absolute when `base` is given, else relative to the site."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, modified in files:
        entry = f"  <url><loc>{xml_escape(base + path)}</loc>"
        if modified:
            entry += f"<lastmod>{xml_escape(modified[:10])}</lastmod>"
        lines.append(entry + "</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _directory(directory: Path) -> Path:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create {directory}: {exc}") from exc
    return directory


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc}") from exc
