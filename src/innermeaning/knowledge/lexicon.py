"""Reading words: tokenise, lemmatise through a precomputed table, fold synonyms, spot typos.

Lemmas come from lemminflect, but only when the knowledge base is compiled: every form of every word
the knowledge base uses is mapped to its lemma then, so reading a topic at run time is a dict lookup.
A word the table does not know cannot match anything anyway, except as a typo, which rapidfuzz catches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN_RE = re.compile(r"\d+(?::\d+)?|[a-z]+(?:['-][a-z]+)*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def tokenize(text: str) -> list[str]:
    """Lower-case word and number tokens; '11:11' becomes '1111', "can't" stays one token."""
    text = text.lower().translate(_APOSTROPHES)
    return [t.replace(":", "").removesuffix("'s") for t in TOKEN_RE.findall(text)]


@dataclass
class Lexicon:
    """Everything needed to turn text into the content words the matcher compares."""

    stopwords: frozenset[str]
    strip_frames: tuple[str, ...]
    strip_suffixes: tuple[str, ...]
    kind_cues: tuple[tuple[str, tuple[str, ...]], ...]
    head_breaks: frozenset[str]
    synonyms: dict[str, str]
    phrase_synonyms: tuple[tuple[re.Pattern[str], str], ...]
    lemmas: dict[str, str] = field(default_factory=dict)
    vocabulary: tuple[str, ...] = ()

    def fold_phrases(self, text: str) -> str:
        """Replace multi-word synonyms ('fall out', 'pass away') by their canonical word."""
        for pattern, canonical in self.phrase_synonyms:
            text = pattern.sub(canonical, text)
        return text

    def normalize(self, token: str) -> str:
        lemma = self.lemmas.get(token, token)
        return self.synonyms.get(lemma, self.synonyms.get(token, lemma))

    def content_words(self, text: str) -> list[str]:
        """Lemmatised, synonym-folded content words of `text`, in order, without repeats."""
        out: list[str] = []
        for token in tokenize(self.fold_phrases(text.lower())):
            if token in self.stopwords or len(token) < 2 and not token.isdigit():
                continue
            word = self.normalize(token)
            if word not in self.stopwords and word not in out:
                out.append(word)
            if token.isdigit() and len(token) >= 3 and "number" not in out:
                out.append("number")  # '1212' is read as a number, so it meets entries on repeating numbers
        return out

    def head(self, text: str) -> str:
        """The phrase's head: its last content word before the first preposition or clause break."""
        tokens = tokenize(self.fold_phrases(text.lower()))
        first_chunk = []
        for token in tokens:
            if token in self.head_breaks and first_chunk:
                break
            first_chunk.append(token)
        words = self.content_words(" ".join(first_chunk))
        return words[-1] if words else ""

    def correct(self, words: list[str], known: set[str]) -> list[str]:
        """Swap unknown words for a close known one (typos: 'procrastinaton'), leave the rest."""
        unknown = [w for w in words if w not in known and len(w) >= 5 and not w.isdigit()]
        if not unknown or not self.vocabulary:
            return words
        from rapidfuzz import fuzz, process

        fixed = {}
        for word in unknown:
            best = process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=86)
            if best:
                fixed[word] = best[0]
        return [fixed.get(w, w) for w in words]


def build_lexicon(raw: dict, vocabulary: set[str]) -> Lexicon:
    """Compile lexicon.toml plus the knowledge base's vocabulary into a Lexicon (slow: uses lemminflect)."""
    synonyms: dict[str, str] = {}
    phrase_synonyms: list[tuple[re.Pattern[str], str]] = []
    for canonical, variants in raw.get("synonyms", {}).items():
        for variant in variants:
            if " " in variant:
                phrase_synonyms.append((re.compile(rf"\b{re.escape(variant)}\b"), canonical))
            else:
                synonyms[variant] = canonical
    stopwords = frozenset(raw["stopwords"].split())
    words = {t for text in vocabulary for t in tokenize(text)} | set(synonyms) | set(synonyms.values())
    lemmas = _lemma_table(words)
    normalized = {synonyms.get(lemmas.get(w, w), lemmas.get(w, w)) for w in words}
    return Lexicon(
        stopwords=stopwords,
        strip_frames=tuple(sorted(raw["strip_frames"], key=len, reverse=True)),
        strip_suffixes=tuple(sorted(raw["strip_suffixes"], key=len, reverse=True)),
        kind_cues=tuple((kind, tuple(cues)) for kind, cues in raw["kinds"].items()),
        head_breaks=frozenset(raw["head_breaks"]),
        synonyms=synonyms,
        phrase_synonyms=tuple(sorted(phrase_synonyms, key=lambda p: -len(p[0].pattern))),
        lemmas=lemmas,
        vocabulary=tuple(sorted(w for w in normalized - stopwords if len(w) >= 4 and not w.isdigit())),
    )


def _lemma_table(words: set[str]) -> dict[str, str]:
    """Map every inflected form of every known word to one lemma (verbs first, then nouns, adjectives)."""
    import lemminflect

    table: dict[str, str] = {}
    for word in sorted(words):
        if word.isdigit() or "'" in word:
            continue
        found = lemminflect.getAllLemmas(word)
        lemma = next((found[pos][0] for pos in ("VERB", "NOUN", "ADJ") if pos in found), word)
        if lemma != word and word.endswith("ing") and "NOUN" in found and found["NOUN"][0] == word:
            lemma = found.get("VERB", (word,))[0]
        table.setdefault(word, lemma)
        for forms in lemminflect.getAllInflections(lemma).values():
            for form in forms:
                table.setdefault(form, lemma)
        table.setdefault(lemma, lemma)
    return table
