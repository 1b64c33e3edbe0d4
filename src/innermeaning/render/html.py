"""HTML: one self-contained page (inline CSS, no scripts), every piece of user text escaped by Jinja.

The page body is the partial `explainer_body.html`, shared with the website so both look alike.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..models import HEADED_SECTIONS, Explainer, SafetyLevel, SectionKind

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    env.globals.update(HEADED_SECTIONS=HEADED_SECTIONS, SectionKind=SectionKind, SafetyLevel=SafetyLevel)
    return env


def stylesheet() -> str:
    return (TEMPLATES / "explainer.css").read_text(encoding="utf-8")


def render_html(page: Explainer) -> str:
    return environment().get_template("standalone.html").render(page=page, css=stylesheet())
