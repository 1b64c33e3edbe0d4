"""check(): every problem with a page, as plain sentences. The same checks judge every engine's pages.

Shape and proportions follow the reference page; artifacts catch template and model debris; grounding
catches psychological constructs or references that the knowledge base cannot stand behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


_MENTION = re.compile(r"\b([A-Z][A-Za-z'\u00C0-\u017F-]+)\b[^.()]{0,60}?\b(1[89]\d\d|20\d\d)\b")


@dataclass(frozen=True)
class _Grounds:
    names: frozenset[str]  # words of construct, lens and practice names and aliases
    terms: frozenset[str]  # every "X theory"-like term the knowledge base itself uses
    references: frozenset[tuple[str, str]]  # (author word, year) pairs the knowledge base cites


def _texts(kb: KnowledgeBase):
    for c in kb.constructs.values():
        yield from (c.name, *c.aliases, c.gloss, *c.definitions, *c.shows_up, *c.causes, *c.references)
    for e in kb.entries.values():
        yield from (*e.intro, *e.core, *e.spiritual, *e.causes, *e.advice, *e.links.values(), e.medical)
    for lens in kb.lenses.values():
        yield from (lens.name, *lens.views, *lens.invitations)
    for p in kb.practices.values():
        yield from (p.name, *p.steps, p.reference)


@lru_cache(maxsize=4)
def _grounds(kb: KnowledgeBase) -> _Grounds:
    names: set[str] = set()
    for rec in [*kb.constructs.values(), *kb.lenses.values(), *kb.practices.values()]:
        for text in (rec.name, *getattr(rec, "aliases", ())):
            names.update(tokenize(text))
    terms, refs = set(), set()
    for text in _texts(kb):
        text = text.replace("et al.", "et al")  # "Dugas et al. 1998" is one mention, not a sentence end
        terms.update(" ".join(tokenize(m.group(0))) for m in _CONSTRUCT_TERM.finditer(text))
        refs.update((m.group(1).lower(), m.group(2)) for m in _MENTION.finditer(text))
    return _Grounds(frozenset(names), frozenset(terms), frozenset(refs))


def check_grounding(sections: Sections, kb: KnowledgeBase, topic: str = "") -> list[str]:
    """Named constructs and (Author Year) references must be ones the knowledge base knows.

    A term such as "X theory" is grounded when the knowledge base uses the same term, or when the word
    just before its head names one of our constructs ("attachment theory"), or when the user's own topic
    says it ("savior complex"); anything else is invented.
    """
    grounds = _grounds(kb)
    own = set(tokenize(topic))
    text = " ".join([sections.core_meaning, sections.psychological_perspective, *sections.possible_causes])
    problems = []
    for found in _CONSTRUCT_TERM.finditer(text):
        modifiers = [w for w in tokenize(found.group(1)) if w not in _GENERIC_TERMS]
        term = " ".join(tokenize(found.group(0)))
        if modifiers and term not in grounds.terms and modifiers[-1] not in grounds.names | own:
            problems.append(f"names {found.group(0)!r}, which the knowledge base cannot ground")
    for found in _REFERENCE.finditer(" ".join([text, sections.spiritual_perspective, sections.gentle_advice])):
        author, year = found.group(1).lower(), found.group(2)
        if (author, year) not in grounds.references:
            problems.append(f"cites ({found.group(1)} {year}), which the knowledge base does not hold")
    return problems


def check(sections: Sections, kb: KnowledgeBase | None = None, topic: str = "") -> list[str]:
    """All problems with a draft page; an empty list means it may be shown and stored.

    With a knowledge base, named constructs and references are checked too; `topic` is what the user
    typed, whose own words need no grounding.
    """
    problems = check_shape(sections)
    if kb is not None:
        problems += check_grounding(sections, kb, topic)
    return problems
