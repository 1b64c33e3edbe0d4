"""Renderers: one function per output format, each taking an Explainer and returning text."""

from __future__ import annotations

from collections.abc import Callable

from ..models import Explainer
from .markdown import render_markdown
from .text import render_text


def render_json(page: Explainer) -> str:
    """One JSON object on one line: the public shape shared by the CLI, the API and the library."""
    return page.model_dump_json()


def render_html(page: Explainer) -> str:
    from .html import render_html as render  # Jinja is imported only when HTML is asked for

    return render(page)


RENDERERS: dict[str, Callable[[Explainer], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "html": render_html,
    "json": render_json,
}

__all__ = ["RENDERERS", "render_html", "render_json", "render_markdown", "render_text"]
