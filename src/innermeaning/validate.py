"""check(): every problem with a page, as plain sentences. The same checks judge every engine's pages.

Shape and proportions follow the reference page; artifacts catch template and model debris; grounding
catches psychological constructs or references that the knowledge base cannot stand behind.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .knowledge.lexicon import tokenize
from .knowledge.loader import KnowledgeBase
from .models import Sections

#: (min, max) words per prose section, from the reference page's proportions.
WORD_RANGES = {
    "intro": (40, 140),
    "core_meaning": (55, 170),
    "spiritual_perspective": (60, 190),
    "psychological_perspective": (70, 190),
    "gentle_advice": (60, 190),
}
CAUSES_RANGE = (4, 7)
CAUSE_WORDS = (3, 28)

_ARTIFACTS = [
    (re.compile(r"[{}]"), "template braces"),
    (re.compile(r"\b(None|null|undefined|NaN|TODO|TBD|lorem ipsum)\b"), "placeholder word"),
    (re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE), "doubled word"),
    (re.compile(r"  "), "double space"),
    (re.compile(r"<[a-zA-Z/][^>]*>|\*\*|^#+ |```", re.MULTILINE), "markup"),
    (re.compile(r"\$\{|%s|\[\w+\]"), "unfilled slot"),
    (re.compile(r"\b(as an ai|language model|i cannot|i can't help)\b", re.IGNORECASE), "model boilerplate"),
]
_DOUBLED_OK = {"that", "had", "is", "very", "bye", "no", "knock", "so"}
_CONSTRUCT_TERM = re.compile(
    r"\b((?:[A-Z][\w'-]*|[a-z][\w'-]*)(?:[ -](?:[A-Z][\w'-]*|[a-z][\w'-]*)){0,2}) "
    r"(theory|syndrome|disorder|effect|bias|hypothesis|phenomenon|schema|complex|fallacy|dysphoria|illusion|paradigm)\b"
)
_REFERENCE = re.compile(r"\(([A-Z][A-Za-z'\u00C0-\u017F-]+)[^()]*?(\d{4})\)")
_GENERIC_TERMS = {"this", "the", "a", "that", "which", "placebo", "ripple", "domino", "snowball", "butterfly"}


def count_words(text: str) -> int:
    return len(text.split())


def _artifacts(label: str, text: str) -> list[str]:
    problems = []
    for pattern, name in _ARTIFACTS:
        for found in pattern.finditer(text):
            if name == "doubled word" and found.group(1).lower() in _DOUBLED_OK:
                continue
            problems.append(f"{label}: {name} {found.group(0)!r}")
            break
    return problems


def check_shape(sections: Sections) -> list[str]:
    """Proportions, causes and artifacts: the checks that need no knowledge base."""
    problems = []
    for field, (low, high) in WORD_RANGES.items():
        text = getattr(sections, field)
        n = count_words(text)
        if not low <= n <= high:
            problems.append(f"{field}: {n} words, expected {low}-{high}")
        problems += _artifacts(field, text)
    causes = sections.possible_causes
    if not CAUSES_RANGE[0] <= len(causes) <= CAUSES_RANGE[1]:
        problems.append(f"possible_causes: {len(causes)} items, expected {CAUSES_RANGE[0]}-{CAUSES_RANGE[1]}")
    for cause in causes:
        n = count_words(cause)
        if not CAUSE_WORDS[0] <= n <= CAUSE_WORDS[1]:
            problems.append(f"possible_causes: an item of {n} words, expected {CAUSE_WORDS[0]}-{CAUSE_WORDS[1]}: {cause[:40]!r}")
        problems += _artifacts("possible_causes", cause)
    return problems


@lru_cache(maxsize=4)
def _grounding_vocabulary(kb: KnowledgeBase) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    words: set[str] = set()
    refs: set[tuple[str, str]] = set()
    for c in kb.constructs.values():
        for text in (c.name, *c.aliases, c.gloss, *c.definitions):
            words.update(tokenize(text))
        for ref in c.references:
            year = re.search(r"\d{4}", ref)
            if year:
                refs.update((t, year.group(0)) for t in tokenize(ref) if not t.isdigit())
    for p in kb.practices.values():
        if p.reference and (year := re.search(r"\d{4}", p.reference)):
            refs.update((t, year.group(0)) for t in tokenize(p.reference) if not t.isdigit())
    for lens in kb.lenses.values():
        words.update(tokenize(lens.name))
    return frozenset(words), frozenset(refs)


def check_grounding(sections: Sections, kb: KnowledgeBase) -> list[str]:
    """Named constructs and (Author Year) references must be ones the knowledge base knows."""
    vocabulary, references = _grounding_vocabulary(kb)
    text = " ".join([sections.core_meaning, sections.psychological_perspective, *sections.possible_causes])
    problems = []
    for found in _CONSTRUCT_TERM.finditer(text):
        modifiers = [w for w in tokenize(found.group(1)) if w not in _GENERIC_TERMS]
        if modifiers and not any(w in vocabulary for w in modifiers[-2:]):
            problems.append(f"names {found.group(0)!r}, which the knowledge base cannot ground")
    for found in _REFERENCE.finditer(" ".join([text, sections.spiritual_perspective, sections.gentle_advice])):
        author, year = found.group(1).lower(), found.group(2)
        if (author, year) not in references:
            problems.append(f"cites ({found.group(1)} {year}), which the knowledge base does not hold")
    return problems


def check(sections: Sections, kb: KnowledgeBase | None = None) -> list[str]:
    """All problems with a draft page; an empty list means it may be shown and stored."""
    problems = check_shape(sections)
    if kb is not None:
        problems += check_grounding(sections, kb)
    return problems
