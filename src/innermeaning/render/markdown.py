"""Markdown: headings for the sections, bullets for the causes, resources as links."""

from __future__ import annotations

import re

from ..models import HEADED_SECTIONS, Explainer, SafetyLevel, SectionKind

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def escape(text: str) -> str:
    """Escape characters Markdown would read as markup, so user text stays text."""
    return _SPECIAL.sub(r"\\\1", text)


def _resource(r) -> str:
    name = f"[{escape(r.name)}]({r.url})" if r.url else escape(r.name)
    return f"- **{name}**: {escape(r.contact)}" if r.contact else f"- **{name}**"


def render_markdown(page: Explainer) -> str:
    out = [f"# {escape(page.title)}", ""]
    if page.safety.level is SafetyLevel.CRISIS:
        out += [escape(page.safety.message), "", "## Reach someone now", ""]
        out += [_resource(r) for r in page.safety.resources]
        return "\n".join(out) + "\n"
    out += [escape(page.intro), ""]
    for kind in HEADED_SECTIONS:
        out += [f"## {kind.title}", ""]
        value = page.section(kind)
        if kind is SectionKind.POSSIBLE_CAUSES:
            out += [f"- {escape(c)}" for c in value]
        else:
            out.append(escape(str(value)))
        out.append("")
    if page.safety.level is SafetyLevel.MEDICAL:
        out += ["> **When to see a doctor:** " + escape(page.safety.message), ""]
    return "\n".join(out)
