"""parse_topic(): clean what the user typed, find its core phrase, kind, display title and focus."""

from __future__ import annotations

import re
import unicodedata

from .errors import TopicError
from .knowledge.lexicon import Lexicon, tokenize
from .models import Kind, Topic

MAX_LENGTH = 200
#: Longer than this is refused before anything else; up to it, the safety screen still reads the text.
HARD_LIMIT = 4000
_SMALL_WORDS = {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of", "on",
                "or", "the", "to", "with", "over", "per", "vs"}
_DIFFICULTY = re.compile(
    r"^(?:i )?(?:can't|cant|cannot|can not|unable to|struggle to|struggling to|find it hard to|"
    r"have trouble|have a hard time|having trouble|never)\s+([a-z]+)(.*)$"
)
_HABIT = re.compile(r"^(?:i )?(?:always|keep|constantly|often|still)\s+([a-z]+)(.*)$")
_FIRST_PERSON = re.compile(r"^i\s+([a-z]+)(.*)$")
_DREAM_FOCUS = re.compile(r"\b(?:dream(?:s|t|ed|ing)?|nightmares?)\b\s*(?:of|about|that|where|with|in which)?\s*(.*)$")
_DREAM_BEFORE = re.compile(r"^(.*?)\s+(?:dreams?|nightmares?)\b")
_SIGN_FOCUS = re.compile(r"^(?:keep\s+)?(?:seeing|hearing|finding|noticing|smelling)\s+(.*)$|^(.*?)\s+(?:sightings?|appearing|appears?|keeps? appearing|showing up|crossing my path)\b")
_OF_FOCUS = re.compile(r"^(?:fear|afraid|scared|terrified|phobia) of\s+(.*)$")


def clean(raw: str) -> str:
    """Strip control and format characters, fold white space; what is left is what the user meant."""
    chars = []
    for ch in str(raw):
        category = unicodedata.category(ch)
        if category.startswith("C") or category in {"Zl", "Zp"}:
            chars.append(" " if ch in "\t\n\r\v\f" else "")
        else:
            chars.append(ch)
    text = re.sub(r"\s+", " ", "".join(chars)).strip()
    return text.strip("\"'`").strip()


def _check(text: str) -> None:
    if not text:
        raise TopicError("the topic is empty: type what you are going through, e.g. \"fear of rejection\"")
    if len(text) > HARD_LIMIT:
        raise TopicError(f"the topic is {len(text)} characters long; please keep it under {MAX_LENGTH}")


def _check_readable(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise TopicError(f"the topic is {len(text)} characters long; please keep it under {MAX_LENGTH}")
    letters = [ch for ch in text if ch.isalpha()]
    foreign = [ch for ch in letters if not unicodedata.name(ch, "").startswith("LATIN")]
    if letters and len(foreign) > len(letters) / 2:
        raise TopicError("Inner Meaning reads topics in English for now; please describe it in English words")


_WHY_CANT = re.compile(r"^why (?:can't|cant|cannot|can not) i\b")
_WHY_DO = re.compile(r"^why (?:do|does|did) i\b")


def core_phrase(text: str, lexicon: Lexicon) -> str:
    """Lower-case the text and strip question frames ("what does it mean when I ...") around the topic."""
    text = text.lower().replace("\u2019", "'").strip(" ?!.,;:")
    text = _WHY_DO.sub("i", _WHY_CANT.sub("can't", text))
    changed = True
    while changed:
        changed = False
        for frame in lexicon.strip_frames:
            if text.startswith(frame + " "):
                text, changed = text[len(frame) + 1 :].strip(), True
                break
        for suffix in lexicon.strip_suffixes:
            if text.endswith(" " + suffix):
                text, changed = text[: -len(suffix) - 1].strip(" ?!.,;:"), True
                break
    return text


def classify(text: str, lexicon: Lexicon) -> Kind:
    """The first kind (in the lexicon's order) with a cue in the text; `pattern` when none."""
    tokens = tokenize(text)
    forms = set(tokens) | {lexicon.lemmas.get(t, t) for t in tokens}
    padded = f" {' '.join(tokens)} "
    for kind, cues in lexicon.kind_cues:
        for cue in cues:
            if (" " in cue or "-" in cue) and f" {' '.join(tokenize(cue))} " in padded:
                return Kind(kind)
            if cue in forms or lexicon.lemmas.get(cue, cue) in forms and len(cue) > 3:
                return Kind(kind)
    return Kind.PATTERN


def _gerund(verb: str) -> str:
    if verb.endswith("ing"):
        return verb
    import lemminflect  # lazy: only titles built from a bare verb need it

    lemma = lemminflect.getLemma(verb, upos="VERB")[0]
    forms = lemminflect.getInflection(lemma, tag="VBG")
    return forms[0] if forms else verb + "ing"


def title_case(text: str) -> str:
    words = text.split()
    out = []
    for i, word in enumerate(words):
        if word == "i":
            out.append("I")
        elif i and word in _SMALL_WORDS:
            out.append(word)
        elif any(ch.isupper() for ch in word[1:]):
            out.append(word)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


def make_title(phrase: str) -> str:
    """A display title from the core phrase: 'can't ask for help' -> 'Difficulty Asking for Help'."""
    for pattern, prefix in ((_DIFFICULTY, "difficulty "), (_HABIT, ""), (_FIRST_PERSON, "")):
        found = pattern.match(phrase)
        clauses = found and re.search(r"\b(and|then|but|so|because)\b", found.group(2))
        if found and not clauses and found.group(1) not in {"am", "was", "have", "had", "do", "did", "feel", "felt"}:
            phrase = f"{prefix}{_gerund(found.group(1))}{found.group(2)}"
            break
    phrase = re.sub(r"\bi'm\b", "I'm", phrase)
    return title_case(phrase)


def find_focus(phrase: str, kind: Kind) -> str:
    """The image or object at the centre of a dream, sign or fear, when the phrase has one."""
    pattern_groups = {Kind.DREAM: (_DREAM_FOCUS, _DREAM_BEFORE), Kind.SIGN: (_SIGN_FOCUS,)}
    for pattern in pattern_groups.get(kind, (_OF_FOCUS,)):
        found = pattern.search(phrase)
        if found:
            focus = next((g for g in found.groups() if g), "").strip()
            focus = re.sub(r"^(?:about|of)\s+", "", focus)
            focus = re.sub(r"\bmy\b", "your", focus)
            focus = re.sub(r"\s+(?:repeatedly|everywhere|again|lately|all the time|a lot|recently)$", "", focus)
            if focus:
                return focus
    return ""


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].rstrip("-") or "topic"


def parse_topic(raw: str, lexicon: Lexicon, known: set[str] | frozenset[str] = frozenset()) -> Topic:
    """Turn raw user text into a Topic. Raises TopicError for empty, overlong or non-English input."""
    query = clean(raw)
    _check(query)
    phrase = core_phrase(query, lexicon) or query.lower()
    words = lexicon.correct(lexicon.content_words(phrase), set(known))
    kind = classify(phrase, lexicon)
    return Topic(
        query=query, text=phrase, title=make_title(phrase), slug=slugify(phrase), kind=kind,
        words=tuple(words), focus=find_focus(phrase, kind), head=lexicon.head(phrase),
    )


def _has_english_word(words: tuple[str, ...]) -> bool:
    """Whether any word is in lemminflect's English lexicon: an unusual topic, not gibberish."""
    candidates = [w for w in words if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return False
    import lemminflect  # lazy: only topics with no word the knowledge base knows get here

    return any(lemminflect.getAllLemmas(w) for w in candidates)


def ensure_readable(topic: Topic, known: set[str] | frozenset[str]) -> None:
    """Refuse a topic with no word we know and no cue to its kind (gibberish, another language).

    Called after the safety screen, so that slang such as "kms", or a long message, is screened first.
    """
    _check_readable(topic.query)
    if topic.kind is Kind.PATTERN and not any(w in known for w in topic.words) and not _has_english_word(topic.words):
        raise TopicError(
            f"we could not find anything we know about in \"{topic.query}\": try a few plain English words, "
            "e.g. \"fear of rejection\" or \"dreaming of water\""
        )
