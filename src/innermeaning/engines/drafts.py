"""Drafting with a chat model: the messages that ask for a page, and the reading of what comes back.

The wording lives in `innermeaning/prompts/` (system.md, user.md, repair.md, notes.toml); this module only
fills those templates from a Plan. The system prompt never varies with the topic. The topic itself, the
only text here a stranger wrote, travels as data inside <topic>...</topic> with any angle brackets
removed, so it cannot close the block or open a new one.

A draft is read leniently (a ```json fence or a sentence around the object is tolerated) and judged
strictly: anything that is not the six sections becomes a problem sentence the model is shown.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

from pydantic import ValidationError

from ..models import Plan, SafetyLevel, Sections
from ..validate import CAUSE_WORDS, CAUSES_RANGE, WORD_RANGES
from .builtin import pick

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
SCHEMA_NAME = "explainer_sections"

#: How the answer's shape is requested, most exact first. A server that refuses one gets the next.
FORMATS = ("json_schema", "json_object", "text")

_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)
_SCHEMA_MARKERS = {"properties", "$schema", "schema", "json_schema", "$defs", "additionalProperties"}
_SECTION_KEYS = frozenset(Sections.model_fields)


@lru_cache(maxsize=None)
def _template(name: str) -> Template:
    return Template((PROMPTS_DIR / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _notes() -> dict[str, Any]:
    with (PROMPTS_DIR / "notes.toml").open("rb") as handle:
        return tomllib.load(handle)


@lru_cache(maxsize=1)
def system_prompt() -> str:
    """The fixed instructions: voice, honesty rules, word ranges and the JSON shape. Same for every topic."""
    ranges = {f"{key}_min": low for key, (low, _) in WORD_RANGES.items()}
    ranges |= {f"{key}_max": high for key, (_, high) in WORD_RANGES.items()}
    return _template("system.md").substitute(
        ranges,
        causes_min=CAUSES_RANGE[0], causes_max=CAUSES_RANGE[1], cause_min=CAUSE_WORDS[0], cause_max=CAUSE_WORDS[1],
    ).strip()


@lru_cache(maxsize=1)
def sections_schema() -> dict[str, Any]:
    """The JSON schema of Sections, as sent with `response_format`."""
    return Sections.model_json_schema()


def response_format(mode: str) -> dict[str, Any] | None:
    """The `response_format` argument for a mode in FORMATS (None: ask in the prompt only)."""
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "schema": sections_schema(), "strict": True}}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def neutralise(text: str) -> str:
    """Topic text made safe to place inside the delimiters: no angle brackets, one line, no runs of spaces."""
    return " ".join(text.replace("<", " ").replace(">", " ").split())


def topic_block(plan: Plan) -> str:
    """Everything on the page that came from the person's own words, as labelled lines of data."""
    topic = plan.topic
    lines = [f"typed: {neutralise(topic.query)}", f"page title: {neutralise(topic.title)}"]
    image = plan.motif or topic.focus
    if image:
        lines.append(f"image at its centre: {neutralise(image)}")
    return "\n".join(lines)


def material(plan: Plan) -> str:
    """The concept cards the page is written from: constructs, traditions, practices and entry notes."""
    key = plan.topic.slug
    parts: list[str] = []
    if plan.constructs:
        lines = ["Psychological constructs (name only these):"]
        for c in plan.constructs:
            refs = "; ".join(c.references) or "none"
            lines.append(f"- {c.name}: {c.gloss}. {pick(c.definitions, key, c.id, 'def')} References: {refs}.")
        parts.append("\n".join(lines))
    if plan.lenses:
        lines = ["Spiritual and philosophical traditions (attribute each view):"]
        lines += [f"- {lens.name}, from {lens.tradition}: {pick(lens.views, key, lens.id, 'view')}" for lens in plan.lenses]
        parts.append("\n".join(lines))
    if plan.practices:
        lines = ["Practices for the gentle advice:"]
        for p in plan.practices:
            cite = f" Reference: {p.reference}." if p.reference else ""
            lines.append(f"- {p.name}: {' '.join(p.steps)}{cite}")
        parts.append("\n".join(lines))
    if plan.entry is not None:
        parts.append(_entry_notes(plan))
    return "\n\n".join(parts) or "No concept cards fit this topic; write from general, well-established understanding only."


def _entry_notes(plan: Plan) -> str:
    entry = plan.entry
    assert entry is not None
    names = {c.id: c.name for c in plan.constructs}
    lines = [
        f"Notes Inner Meaning keeps on {entry.title}:",
        f"- What it is like: {' '.join(entry.intro)}",
        f"- What it often means: {' '.join(entry.core)}",
        f"- Spiritual angle: {' '.join(entry.spiritual)}",
        f"- Common roots: {'; '.join(entry.causes)}.",
        f"- Gentle steps: {' '.join(entry.advice)}",
    ]
    for cid, link in entry.links.items():
        if cid in names:
            lines.append(f"- How {names[cid]} shows up here: it {link.strip().rstrip('.')}.")
    return "\n".join(lines)


def user_prompt(plan: Plan) -> str:
    """The request for one page: the topic as delimited data, its kind, and the material to write from."""
    notes = _notes()
    extra = [notes["kind"][plan.topic.kind.value]] if plan.topic.kind.value in notes["kind"] else []
    if plan.safety.level is SafetyLevel.MEDICAL and plan.safety.message:
        extra.append(Template(notes["safety"]["medical"]).substitute(medical=plan.safety.message))
    return _template("user.md").substitute(
        topic=topic_block(plan),
        kind=plan.topic.kind.value,
        kind_note="".join(" " + note for note in extra),
        material=material(plan),
    ).strip()


def first_messages(plan: Plan) -> list[dict[str, str]]:
    """The opening conversation for a page: fixed instructions, then the request."""
    return [{"role": "system", "content": system_prompt()}, {"role": "user", "content": user_prompt(plan)}]


def repair_prompt(problems: list[str]) -> str:
    """The message that sends a failing draft back, listing what is wrong with it."""
    listed = "\n".join(f"- {problem}" for problem in problems)
    return _template("repair.md").substitute(problems=listed).strip()


def _json_text(raw: str) -> str:
    """The JSON object inside an answer: unwrap a code fence, or cut away words around one object."""
    text = raw.strip()
    fenced = _FENCE.match(text)
    if fenced:
        return fenced.group(1).strip()
    if not text.startswith("{") and "{" in text and text.rstrip().endswith("}"):
        return text[text.index("{") :]
    return text


def read_draft(raw: str) -> tuple[Sections | None, list[str]]:
    """Parse an answer into Sections, or explain (for the model) why it cannot be used."""
    text = _json_text(raw)
    if not text:
        return None, ["the answer was empty: reply with the JSON object holding the six sections"]
    try:
        return Sections.model_validate_json(text), []
    except ValidationError:
        pass  # diagnosed below, in words the model can act on
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        kind = "prose, not JSON" if not text.startswith(("{", "[")) else f"not valid JSON ({exc.msg} at character {exc.pos})"
        return None, [f"the answer was {kind}: reply with one JSON object and nothing else"]
    if not isinstance(data, dict):
        return None, [f"the answer was a JSON {type(data).__name__}, not an object with the six sections"]
    if (_SCHEMA_MARKERS & data.keys() or data.get("type") == "object") and not _SECTION_KEYS <= data.keys():
        return None, [
            "the answer repeated the JSON schema instead of filling it in: "
            "write the page itself as a JSON object with the six sections"
        ]
    try:
        return Sections.model_validate(data), []
    except ValidationError as exc:
        return None, [_field_problem(error) for error in exc.errors()]


def _field_problem(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "the answer"
    if error["type"] == "missing":
        return f"{where}: missing; the object needs every one of the six keys"
    if error["type"] == "extra_forbidden":
        return f"{where}: not one of the six keys; leave it out"
    return f"{where}: {error['msg'].lower()}"
