"""The built-in engine: composes every section from the knowledge records a plan carries.

Deterministic: where a record offers several phrasings, the topic's slug chooses one through a stable
hash, so the same topic always reads the same and different topics read differently. The prose itself
is data (knowledge/data); this module only decides what goes where and joins it into paragraphs.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from collections.abc import Sequence

from ..knowledge import load_knowledge
from ..knowledge.loader import KnowledgeBase
from ..knowledge.match import TITLE_FIT
from ..models import Construct, Kind, Plan, Sections

#: Soft word budgets per section: composition stops adding optional sentences past these.
BUDGET = {"intro": 120, "core": 150, "spiritual": 160, "psych": 170, "advice": 160}
#: And adds optional sentences until these are reached.
#: Words at least this rare (IDF) count when judging whether a phrasing touches the topic.
TELLING_IDF = 2.0
FLOOR = {"intro": 55, "core": 70, "spiritual": 80, "psych": 90, "advice": 75}


def pick(options: Sequence[str], *key: str) -> str:
    """One of `options`, chosen by a stable hash of `key` (never Python's salted hash())."""
    if not options:
        return ""
    digest = hashlib.blake2b("|".join(key).encode(), digest_size=8).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


def words(text: str) -> int:
    return len(text.split())


def as_sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def with_reference(sentence: str, reference: str) -> str:
    """Put '(Author Year)' before the sentence's final punctuation, once."""
    sentence = as_sentence(sentence)
    if not reference or reference in sentence:
        return sentence
    return f"{sentence[:-1]} ({reference}){sentence[-1]}"


def join_names(names: Sequence[str]) -> str:
    names = list(dict.fromkeys(names))
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


_SECOND_PERSON = {"i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "i'm": "you're",
                  "am": "are", "i've": "you've", "i'd": "you'd", "i'll": "you'll", "was": "were"}


def topic_phrase(title: str) -> str:
    """The title as it reads mid-sentence, spoken to the reader.

    'Difficulty Asking for Help' -> 'difficulty asking for help';
    'Feeling Jealous of My Sister's Success' -> "feeling jealous of your sister's success".
    """
    words = title.split()
    first_person = any(w.lower() in {"i", "i'm", "i've", "my", "me", "myself"} for w in words)
    out = []
    for word in words:
        lowered = word.lower()
        if first_person and lowered in _SECOND_PERSON and (lowered != "was" or "i" in {w.lower() for w in words}):
            out.append(_SECOND_PERSON[lowered])
        elif any(ch.isupper() for ch in word[1:]):
            out.append(word)  # acronyms such as ADHD keep their capitals
        else:
            out.append(word[:1].lower() + word[1:])
    return " ".join(out)


class _Page:
    """Accumulates a section's sentences, skipping any sentence the page already used."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def paragraph(self, sentences: Sequence[str]) -> str:
        kept = []
        for sentence in sentences:
            sentence = as_sentence(sentence)
            key = sentence.lower()
            if sentence and key not in self.used:
                self.used.add(key)
                kept.append(sentence)
        return " ".join(kept)


class BuiltinEngine:
    """Offline composition from the knowledge base. Same plan in, same page out."""

    name = "builtin"

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self.kb = kb or load_knowledge()
        self._telling = {}  # knowledge text -> its telling words; the texts are few, the pages many

    def compose(self, plan: Plan) -> Sections:
        return _Composer(plan, self.kb, self._telling).sections()


@lru_cache(maxsize=1)
def shared_engine() -> BuiltinEngine:
    """One built-in engine per process, so its caches serve every page."""
    return BuiltinEngine()


class _Composer:
    def __init__(self, plan: Plan, kb: KnowledgeBase, telling_cache: dict[str, frozenset[str]]) -> None:
        self.telling_cache = telling_cache
        self.plan = plan
        self.entry = plan.entry
        self.frames = kb.frames
        self.kind = plan.topic.kind
        self.key = plan.topic.slug
        self.page = _Page()
        material = [plan.topic.text, *(self.entry.core if self.entry else ()), *(self.entry.spiritual if self.entry else ()),
                    *plan.themes, *(c.name for c in plan.constructs)]
        self.lexicon, self.index = kb.lexicon, kb.index
        self.vocabulary = {w for text in material for w in self.telling(text)}
        names = [c.name for c in plan.constructs] or ["what you are feeling"]
        topic = topic_phrase(plan.topic.title)
        if self.kind is Kind.DREAM and plan.motif and not self.entry:
            topic = f"a dream about {plan.motif}"
        self.slots = {
            "topic": topic, "Topic": topic[:1].upper() + topic[1:],
            "noun": self.frames["kinds"][self.kind.value]["noun"],
            "a": names[0], "A": names[0][:1].upper() + names[0][1:], "b": names[1] if len(names) > 1 else names[0], "c": names[-1],
            "list": join_names(names[:3]),
            "entry": topic_phrase(self.entry.title) if self.entry else topic,
            "motif": plan.motif or topic,
            "tradition": plan.lenses[0].tradition if plan.lenses else "many traditions",
            "themes": join_names([kb.frames["theme_names"].get(t, t) for t in plan.themes[:3]]),
        }

    # -- helpers ---------------------------------------------------------------------------------
    def frame(self, slot: str, group: str = "general") -> str:
        options = self.frames[group][slot]
        if isinstance(options, dict):
            options = options.get(self.kind.value) or options.get("default", [])
        return pick(options, self.key, slot).format(**self.slots) if options else ""

    def choose(self, options: Sequence[str], *slot: str) -> str:
        return pick(options, self.key, *slot)

    def fill(self, sentences: list[str], optional: list[str], floor: int, budget: int) -> list[str]:
        """Add optional sentences in order while under `floor`, never past `budget`."""
        for sentence in optional:
            total = sum(map(words, sentences))
            if total >= floor:
                break
            if sentence and total + words(sentence) <= budget:
                sentences.append(sentence)
        return sentences

    @staticmethod
    def reference(construct: Construct) -> str:
        return construct.references[0] if construct.references else ""

    # -- sections --------------------------------------------------------------------------------
    def sections(self) -> Sections:
        # Order matters: sentences used earlier on the page are not repeated later.
        intro = self.intro()
        core = self.core()
        psych = self.psychological()
        return Sections(
            intro=intro, core_meaning=core, spiritual_perspective=self.spiritual(),
            psychological_perspective=psych, possible_causes=self.causes(), gentle_advice=self.advice(),
        )

    def intro(self) -> str:
        if self.entry:
            sentences = list(self.entry.intro)
            if self.plan.fit < TITLE_FIT:
                sentences.insert(1, self.frame("bridge"))
            return self.page.paragraph(sentences)
        sentences = [self.frame("intro")]
        if self.kind in (Kind.DREAM, Kind.SIGN) and self.plan.motif:
            sentences.append(self.frame("motif"))
        sentences.append(self.frame("intro_close"))
        scenes = [self.choose(c.shows_up, c.id, "intro") for c in self.plan.constructs[:1]]
        return self.page.paragraph(self.fill(sentences, scenes, FLOOR["intro"], BUDGET["intro"]))

    def core(self) -> str:
        constructs = self.plan.constructs
        themes = [self.frame("themes")] if self.plan.themes else []
        if self.entry:
            # Linked constructs are defined in the psychological section; define an unlinked one here.
            unlinked = [c for c in constructs if c.id not in self.entry.links][:1]
            extra = [with_reference(self.choose(c.definitions, c.id, "def"), self.reference(c)) for c in unlinked]
            sentences = self.fill(list(self.entry.core), extra, FLOOR["core"], BUDGET["core"])
            # Name the themes only where the entry's own core is brief; a full one already shows them.
            return self.page.paragraph(self.fill(sentences, themes, FLOOR["core"] + 20, BUDGET["core"]))
        sentences = self.fill([self.frame("honest")], self.explain_constructs(constructs[:2], "core"), FLOOR["core"] + 30, BUDGET["core"])
        return self.page.paragraph(self.fill(sentences, themes, BUDGET["core"], BUDGET["core"]))

    def spiritual(self) -> str:
        lenses = self.plan.lenses
        invitations = [self.fitting(lens.invitations, lens.id, "invite") for lens in lenses[:1]]
        if self.entry:
            # Beside an entry's own spiritual reading, a lens's view must touch the topic, or it stays out.
            views = [v for v in (self.fitting(lens.views, lens.id, "view", related_only=True) for lens in lenses) if v]
            sentences = list(self.entry.spiritual)
            return self.page.paragraph(self.fill(sentences, views[:1] + invitations, FLOOR["spiritual"], BUDGET["spiritual"]))
        views = [self.fitting(lens.views, lens.id, "view") for lens in lenses]
        sentences = [self.frame("spiritual_open")]
        return self.page.paragraph(self.fill(sentences, views + invitations, FLOOR["spiritual"] + 20, BUDGET["spiritual"]))

    def fitting(self, options: Sequence[str], *slot: str, related_only: bool = False) -> str:
        """The phrasing that shares most words with this topic's material; the topic's hash breaks ties.

        A lens offers views on many subjects (loss, anger, rest); this keeps a view about hatred off a
        page about pregnancy loss when a view about grief is there to be had.
        """
        overlap = [len(self.vocabulary & self.telling(o)) for o in options]
        best = max(overlap, default=0)
        if related_only and best == 0:
            return ""
        return self.choose([o for o, n in zip(options, overlap) if n == best], *slot)

    def telling(self, text: str) -> frozenset[str]:
        """Content words of `text` rare enough in the knowledge base to say what it is about."""
        found = self.telling_cache.get(text)
        if found is None:
            found = frozenset(w for w in self.lexicon.content_words(text) if self.index.weight(w) >= TELLING_IDF)
            self.telling_cache[text] = found
        return found

    def psychological(self) -> str:
        constructs = self.plan.constructs
        links = self.entry.links if self.entry else {}
        body, named = [], []
        for c in (c for c in constructs if c.id in links):
            sentence = self.fused(c, links[c.id])
            if sum(map(words, body)) + words(sentence) > BUDGET["psych"] - 10:
                break  # the opening line still needs its room under the section's limit
            body.append(sentence)
            named.append(c)
        floor = FLOOR["psych"] + (0 if links else 40) - 15  # the opening line adds about 15 words
        for c in (c for c in constructs if c.id not in links):
            if sum(map(words, body)) >= floor:
                break
            added = self.fill(body, self.explain_constructs([c], "psych"), floor, BUDGET["psych"] - 20)
            if any(c.name.lower() in sentence.lower() for sentence in added[len(body):] + added):
                named.append(c)
            body = added
        # The opening line names the constructs the paragraph goes on to explain, and only those.
        names = [c.name for c in (named or constructs[:1])][:3]
        opening = pick(self.frames["general"]["psych_open"], self.key, "psych_open").format(**{**self.slots, "list": join_names(names)})
        return self.page.paragraph([opening, *body])

    def explain_constructs(self, constructs: Sequence[Construct], slot: str) -> list[str]:
        """For each construct, a definition that names it (once per page), then a scene of how it shows up."""
        sentences = []
        for c in constructs:
            definition = with_reference(self.choose(c.definitions, c.id, "def"), self.reference(c))
            if definition.lower() not in self.page.used:
                sentences.append(definition)
            sentences.append(self.choose(c.shows_up, c.id, slot))
        return sentences

    def fused(self, construct: Construct, link: str) -> str:
        """'Name, gloss (Ref), link.': the construct defined and applied to this topic in one sentence."""
        ref = self.reference(construct)
        gloss = f"{construct.gloss} ({ref})" if ref else construct.gloss
        return f"{construct.name}, {gloss}, {link.strip().rstrip('.')}"

    def causes(self) -> list[str]:
        if self.entry:
            causes = list(self.entry.causes)
            pool = [self.choose(c.causes, c.id, "cause") for c in self.plan.constructs]
            wanted = 4
        else:
            # A general page takes one cause from each near entry and each construct, chosen by the topic.
            causes = [self.choose(e.causes, e.id, "cause") for e in self.plan.related]
            pool = [self.choose(c.causes, c.id, "cause") for c in self.plan.constructs]
            pool += [cause for c in self.plan.constructs for cause in c.causes]
            wanted = 5
        for cause in pool:
            if len(causes) >= wanted:
                break
            if cause not in causes:
                causes.append(cause)
        return [as_sentence(c).rstrip(".") for c in causes[:7]]

    def advice(self) -> str:
        practices = self.plan.practices
        steps = [self.choose(p.steps, p.id, "step") for p in practices]
        if self.entry:
            return self.page.paragraph(self.fill(list(self.entry.advice), steps, FLOOR["advice"] + 15, BUDGET["advice"]))
        sentences = self.fill([], steps, FLOOR["advice"], BUDGET["advice"] - 35)
        sentences.append(self.frame("advice_close"))
        return self.page.paragraph(sentences)
