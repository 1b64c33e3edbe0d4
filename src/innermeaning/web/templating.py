"""Templates for the website and the static export: one Jinja environment, two ways of linking.

The environment looks in web/templates first, then render/templates, so the site includes the same
explainer partial as the CLI's standalone HTML. Autoescape is on for everything; the only markup that
reaches a template unescaped is built here (search snippets, JSON-LD) and escaped on the way in.
This module needs Jinja only (no FastAPI), so the static export can use it without a web server.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode

from ..models import HEADED_SECTIONS, Explainer, Kind, SafetyLevel, SectionKind

HERE = Path(__file__).parent
SITE_NAME = "Inner Meaning"


@dataclass(frozen=True)
class KindInfo:
    kind: str
    label: str
    blurb: str


@lru_cache(maxsize=1)
def kinds() -> dict[str, KindInfo]:
    """Every kind with its label and a line about it, in models.Kind order."""
    with (HERE / "templates" / "kinds.toml").open("rb") as handle:
        data = tomllib.load(handle)
    return {k.value: KindInfo(k.value, data[k.value]["label"], data[k.value]["blurb"]) for k in Kind}


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The explainer's base stylesheet followed by the site's own rules: one file, one request."""
    from ..render.html import stylesheet as base

    return base() + "\n" + (HERE / "static" / "site.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def stylesheet_version() -> str:
    return hashlib.sha256(stylesheet().encode()).hexdigest()[:12]


class SiteLinks:
    """Links for the live website: absolute paths, forms that reach the server."""

    static = False
    search = "/search"
    explain = "/explain"

    def home(self) -> str:
        return "/"

    def explainer(self, slug: str) -> str:
        return "/explainers/" + quote(slug)

    def api(self, slug: str) -> str:
        return "/api/v1/explainers/" + quote(slug)

    def kind(self, kind: str, page: int = 1) -> str:
        return f"/kinds/{quote(kind)}" + (f"?{urlencode({'page': page})}" if page > 1 else "")

    def css(self) -> str:
        return f"/static/style.css?v={stylesheet_version()}"


class StaticLinks:
    """Links for the exported site: relative to `root` (e.g. "../"), so pages open from file:// too."""

    static = True
    search = explain = ""

    def __init__(self, root: str = "") -> None:
        self.root = root

    def home(self) -> str:
        return self.root + "index.html"

    def explainer(self, slug: str) -> str:
        return f"{self.root}explainers/{quote(slug)}.html"

    def api(self, slug: str) -> str:
        return ""

    def kind(self, kind: str, page: int = 1) -> str:
        return f"{self.root}kinds/{quote(kind)}.html"

    def css(self) -> str:
        return self.root + "style.css"


@lru_cache(maxsize=1)
def environment():
    """The Jinja environment, built once per process (templates compile once, then stay cached)."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

    from ..render.html import TEMPLATES

    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(HERE / "templates"), FileSystemLoader(TEMPLATES)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True, lstrip_blocks=True, auto_reload=False,
    )
    env.globals.update(
        HEADED_SECTIONS=HEADED_SECTIONS, SectionKind=SectionKind, SafetyLevel=SafetyLevel,
        SITE_NAME=SITE_NAME, kinds=kinds(),
    )
    return env


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


def description(page: Explainer) -> str:
    """One or two sentences for <meta name=description> and JSON-LD."""
    text = page.safety.message if page.is_crisis else page.intro
    return text if len(text) <= 200 else text[:197].rsplit(" ", 1)[0] + "\u2026"


def article_jsonld(page: Explainer, *, url: str = "", created: str = "", updated: str = "") -> str:
    """schema.org Article metadata, safe to place inside <script type="application/ld+json">."""
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": page.title,
        "description": description(page),
        "about": page.query,
        "articleSection": kinds()[page.kind.value].label,
        "keywords": ", ".join(page.concepts),
        "inLanguage": "en",
        "publisher": {"@type": "Organization", "name": SITE_NAME},
        "isAccessibleForFree": True,
    }
    data.update({k: v for k, v in (("url", url), ("datePublished", created), ("dateModified", updated)) if v})
    text = json.dumps(data, ensure_ascii=False)
    # "</script>" or "<!--" inside a value must not end the block: escape the characters HTML reacts to.
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render_explainer(page: Explainer, links, *, related=(), stored: bool = False, url: str = "",
                     version: int = 0, created: str = "", updated: str = "") -> str:
    """An explainer in the site's layout. Crisis pages get no metadata and no related topics."""
    jsonld = "" if page.is_crisis or not stored else article_jsonld(page, url=url, created=created, updated=updated)
    return render(
        "explainer.html", page=page, links=links, related=list(related), stored=stored,
        version=version, updated=updated, jsonld=jsonld, description=description(page),
    )
