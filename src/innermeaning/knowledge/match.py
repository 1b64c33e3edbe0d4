"""match_topic(): find the entry and the concepts that fit a topic.

An entry fits by the overlap of content words between the topic and the entry's title or aliases,
weighted by how rare each word is (IDF) and scored as an F1 of both sides' coverage, so "fear of
confrontation with my boss" still lands on "fear of confrontation". Concepts come from the fitting
entry first, then from keywords in the topic, then from the defaults for the topic's kind.
"""

from __future__ import annotations

from collections import defaultdict

from ..models import Construct, Kind, Match, Topic
from .loader import KnowledgeBase

#: An entry whose fit reaches this is used for the page's specific content.
ENTRY_FIT = 0.62
#: Below ENTRY_FIT, entries that still reach this lend their concepts, not their prose.
RELATED_FIT = 0.5
#: A topic whose fit reaches this takes the entry's title.
TITLE_FIT = 0.86
#: A dream entry for a waking topic (or the reverse) is rarely right: "always running late".
KIND_MISMATCH = 0.55
#: Each side must cover at least this share of the other's weight to count fully...
MIN_COVERAGE = 0.5
#: ...otherwise its fit is scaled by this.
UNDER_COVERED = 0.6
#: A phrase that misses the topic's head word ("guilt" in "mom guilt") is scaled by this.
HEADLESS = 0.75
#: A concept named in the topic counts only when its words are this rare in total (IDF), so a
#: generic word such as "dream" does not pull in one concept over the kind's defaults.
HIT_MIN = 1.2
CONSTRUCTS, LENSES, PRACTICES = 4, 2, 3


def score_entries(words: list[str], kind: Kind, kb: KnowledgeBase, head: str = "") -> list[tuple[float, str]]:
    """Every entry sharing a word with the topic, best first, as (fit, entry id).

    A phrase's fit is the F1 of two coverages weighted by rarity: how much of the topic the phrase
    explains (recall) and how much of the phrase the topic contains (precision). A phrase that explains
    less than MIN_COVERAGE of either side is discounted, so "mom guilt" does not land on an entry about a
    mother's death merely because both mention mothers.
    """
    index = kb.index
    query = set(words)
    q_total = sum(index.weight(w) for w in query) or 1.0
    best: dict[str, float] = {}
    candidates = {i for w in query for i in index.by_word.get(w, ())}
    for i in candidates:
        phrase = index.entry_phrases[i]
        overlap = sum(index.weight(w) for w in query & phrase.words)
        recall = overlap / q_total
        precision = overlap / (phrase.total or 1.0)
        fit = phrase.weight * 2 * recall * precision / (recall + precision)
        if min(recall, precision) < MIN_COVERAGE:
            fit *= UNDER_COVERED
        if head and head in query and head not in phrase.words and len(query) > 1:
            fit *= HEADLESS
        if fit > best.get(phrase.record, 0.0):
            best[phrase.record] = fit
    for i in {i for w in query for i in index.keywords_by_word.get(w, ())}:
        key = index.entry_keywords[i]
        if key.words <= query and key.record in best:  # a keyword nudges an entry already in play
            best[key.record] += 0.08 * key.total / q_total
    for entry_id in best:
        if (kb.entries[entry_id].kind is Kind.DREAM) != (kind is Kind.DREAM):
            best[entry_id] *= KIND_MISMATCH
    # Rank on the raw score (a keyword bonus may break a tie between two exact phrases), report at most 1.
    ranked = sorted(best.items(), key=lambda pair: (-pair[1], pair[0]))
    return [(min(score, 1.0), entry_id) for entry_id, score in ranked]


def _concept_hits(words: list[str], kb: KnowledgeBase) -> dict[str, float]:
    """Concepts whose name, alias or keyword appears whole in the topic, scored by rarity."""
    index = kb.index
    query = set(words)
    hits: dict[str, float] = defaultdict(float)
    for i in {i for w in query for i in index.concepts_by_word.get(w, ())}:
        key = index.concept_keys[i]
        if key.words <= query and key.total >= HIT_MIN:
            hits[key.record] = max(hits[key.record], key.weight * key.total)
    return hits


def _top(scores: dict[str, float], limit: int) -> list[str]:
    return [k for k, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def match_topic(topic: Topic, kb: KnowledgeBase) -> Match:
    """Find the best entry (if one fits) and the constructs, lenses and practices for this topic."""
    ranked = score_entries(list(topic.words), topic.kind, kb, topic.head)
    fit, best_id = ranked[0] if ranked else (0.0, "")
    entry = kb.entries[best_id] if fit >= ENTRY_FIT else None
    defaults = kb.frames["kinds"][(entry.kind if entry else topic.kind).value]
    hits = _concept_hits(list(topic.words), kb)

    scores: dict[str, dict[str, float]] = {"construct": {}, "lens": {}, "practice": {}}
    fields = {"construct": "constructs", "lens": "lenses", "practice": "practices"}

    def add(section: str, ids, weight: float, step: float = 0.0) -> None:
        for rank, cid in enumerate(ids):
            bucket = scores[section]
            bucket[cid] = bucket.get(cid, 0.0) + max(weight - step * rank, 0.05)

    if entry:
        for section, attr in fields.items():
            add(section, getattr(entry, attr), 10.0, 0.5)
    near = [(rfit, kb.entries[rid]) for rfit, rid in ranked[: 3 if entry is None else 0] if rfit >= RELATED_FIT]
    for related_fit, related_entry in near:
        for section, attr in fields.items():
            add(section, getattr(related_entry, attr), 4.0 * related_fit, 0.3)
    for key, score in hits.items():
        section, cid = key.split(":", 1)
        add(section, [cid], score)
    for section, attr in fields.items():
        add(section, defaults.get(attr, []), 1.0, 0.1)

    ranked_constructs = _top(scores["construct"], len(scores["construct"]))
    if entry:
        # The entry's own order stands, constructs it links to the topic first.
        own_list = [c for c in entry.constructs if c in entry.links] + [c for c in entry.constructs if c not in entry.links]
        if fit < TITLE_FIT:
            # Keep one place for a construct the user's own words point to beyond the entry's list,
            # e.g. "boss" in "fear of confrontation with my boss".
            hit_ids = _top({k.split(":", 1)[1]: v for k, v in hits.items() if k.startswith("construct:")}, 3)
            extra = [c for c in hit_ids if c not in entry.constructs][:1]
            own_list = own_list[: CONSTRUCTS - len(extra)] + extra
        ranked_constructs = own_list + ranked_constructs
    constructs = [kb.constructs[c] for c in dict.fromkeys(ranked_constructs)][:CONSTRUCTS]
    themes = list(entry.themes) if entry else _themes(constructs, topic.kind, kb)
    for lens in kb.lenses.values():
        overlap = len(set(lens.themes) & set(themes))
        if overlap:
            scores["lens"][lens.id] = scores["lens"].get(lens.id, 0.0) + 0.4 * overlap
    for construct in constructs:
        add("practice", construct.practices, 0.6, 0.1)
    return Match(
        entry=entry,
        fit=round(fit, 3),
        constructs=tuple(constructs),
        lenses=tuple(kb.lenses[c] for c in _top(scores["lens"], LENSES)),
        practices=tuple(kb.practices[c] for c in _top(scores["practice"], PRACTICES)),
        themes=tuple(themes),
        motif="" if entry else topic.focus,
        related=tuple(e for _, e in near[:2]),
    )


def _themes(constructs: list[Construct], kind: Kind, kb: KnowledgeBase) -> list[str]:
    counts: dict[str, int] = defaultdict(int)
    for construct in constructs:
        for theme in construct.themes:
            counts[theme] += 1
    for theme in kb.frames["kinds"][kind.value].get("themes", []):
        counts[theme] += 1
    return _top({k: float(v) for k, v in counts.items()}, 5)


__all__ = ["match_topic", "score_entries"]
