"""Plain text in the reference page's shape, and the same page styled for a terminal with Rich."""

from __future__ import annotations

from ..models import HEADED_SECTIONS, Explainer, SafetyLevel, SectionKind

HEADER = "Inner Meaning \u00b7 Explainer"


def _resources(page: Explainer) -> list[str]:
    lines = []
    for r in page.safety.resources:
        detail = " \u2014 ".join(part for part in (r.contact, r.url) if part)
        lines.append(f"- {r.name}: {detail}" if detail else f"- {r.name}")
    return lines


def render_text(page: Explainer) -> str:
    """The page as plain text, laid out like the reference page."""
    lines = [HEADER, page.title]
    if page.safety.level is SafetyLevel.CRISIS:
        lines += [page.safety.message, "Reach someone now", *_resources(page)]
        return "\n".join(lines) + "\n"
    lines.append(page.intro)
    for kind in HEADED_SECTIONS:
        lines.append(kind.title)
        value = page.section(kind)
        if kind is SectionKind.POSSIBLE_CAUSES:
            lines += [f"- {cause}" for cause in value]
        else:
            lines.append(str(value))
    if page.safety.level is SafetyLevel.MEDICAL:
        lines += ["When to See a Doctor", page.safety.message]
    return "\n".join(lines) + "\n"


def print_terminal(page: Explainer, console) -> None:
    """The same page with Rich styling; all user text is printed as text, never as markup."""
    from rich.panel import Panel
    from rich.text import Text

    console.print(Text(HEADER, style="dim"))
    console.print(Text(page.title, style="bold magenta"))
    if page.safety.level is SafetyLevel.CRISIS:
        console.print(Panel(Text(page.safety.message), border_style="yellow"))
        console.print(Text("Reach someone now", style="bold"))
        for line in _resources(page):
            console.print(Text(line))
        return
    console.print(Text(page.intro))
    for kind in HEADED_SECTIONS:
        console.print()
        console.print(Text(kind.title, style="bold cyan"))
        value = page.section(kind)
        if kind is SectionKind.POSSIBLE_CAUSES:
            for cause in value:
                console.print(Text(f"\u2022 {cause}"))
        else:
            console.print(Text(str(value)))
    if page.safety.level is SafetyLevel.MEDICAL:
        console.print()
        console.print(Panel(Text(page.safety.message), title="When to see a doctor", border_style="yellow"))
