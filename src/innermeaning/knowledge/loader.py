"""Load the knowledge base from its TOML files, compile it once, and cache the compiled form.

Compiling (parsing TOML, validating every record, building the lemma table and search indexes) takes
about a second, so the result is pickled under the user's cache directory, keyed by a hash of the data
files. A fresh process with a warm cache loads it in a few milliseconds.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from ..errors import KnowledgeError
from ..models import Construct, Entry, Lens, Practice
from .lexicon import Lexicon, build_lexicon

DATA_DIR = Path(__file__).parent / "data"
_FOLDERS = {"constructs": "construct", "lenses": "lens", "practices": "practice", "entries": "entry"}
_FORMAT = 3  # bump when the compiled layout changes


@dataclass
class Keyed:
    """One matchable phrase: the record it belongs to and its content words."""

    record: str
    words: frozenset[str]
    weight: float = 1.0
    total: float = 0.0  # sum of the words' IDF, filled in once the IDF table exists


@dataclass
class Index:
    """Inverted indexes from content word to the phrases that contain it, with IDF weights."""

    idf: dict[str, float]
    entry_phrases: list[Keyed]
    entry_keywords: list[Keyed]
    concept_keys: list[Keyed]  # constructs, lenses and practices, by name, alias and keyword
    by_word: dict[str, list[int]] = field(default_factory=dict)
    keywords_by_word: dict[str, list[int]] = field(default_factory=dict)
    concepts_by_word: dict[str, list[int]] = field(default_factory=dict)

    unknown_idf: float = 1.0  # a word no record uses is as rare as the rarest known word

    def weight(self, word: str) -> float:
        return self.idf.get(word, self.unknown_idf)


@dataclass(eq=False)  # hashed by identity: caches key on the loaded instance
class KnowledgeBase:
    """The compiled knowledge base: records by id, the lexicon and the indexes."""

    version: str
    constructs: dict[str, Construct]
    lenses: dict[str, Lens]
    practices: dict[str, Practice]
    entries: dict[str, Entry]
    lexicon: Lexicon
    index: Index
    frames: dict
    known: frozenset[str] = frozenset()  # every content word the matcher can use, for spotting gibberish


def _data_files() -> list[Path]:
    return sorted(p for folder in _FOLDERS for p in (DATA_DIR / folder).glob("*.toml"))


def _fingerprint(files: list[Path]) -> str:
    digest = hashlib.sha256(str(_FORMAT).encode())
    for path in [DATA_DIR / "lexicon.toml", DATA_DIR / "frames.toml", *files]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"knowledge file {path.name} is unreadable: {exc}") from exc


def _records(files: list[Path]) -> dict[str, dict[str, dict]]:
    records: dict[str, dict[str, dict]] = {section: {} for section in _FOLDERS.values()}
    for path in files:
        section = _FOLDERS[path.parent.name]
        for raw in _read(path).get(section, []):
            rid = raw.get("id")
            if not rid or rid in records[section]:
                raise KnowledgeError(f"{path.name}: missing or duplicate id {rid!r}")
            records[section][rid] = raw
    return records


def _validate(model, raw: dict, where: str):
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeError(f"{where}: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from exc


def compile_knowledge(files: list[Path] | None = None) -> KnowledgeBase:
    """Parse, validate and index the knowledge base. Dangling ids are dropped, not fatal."""
    files = _data_files() if files is None else files
    records = _records(files)
    constructs = {k: _validate(Construct, v, f"construct {k}") for k, v in records["construct"].items()}
    lenses = {k: _validate(Lens, v, f"lens {k}") for k, v in records["lens"].items()}
    practices = {k: _validate(Practice, v, f"practice {k}") for k, v in records["practice"].items()}
    entries: dict[str, Entry] = {}
    for k, raw in records["entry"].items():
        raw = dict(raw)
        raw["constructs"] = [c for c in raw.get("constructs", []) if c in constructs]
        raw["lenses"] = [c for c in raw.get("lenses", []) if c in lenses]
        raw["practices"] = [c for c in raw.get("practices", []) if c in practices]
        raw["links"] = {c: v for c, v in raw.get("links", {}).items() if c in raw["constructs"]}
        entries[k] = _validate(Entry, raw, f"entry {k}")

    vocabulary: set[str] = set()
    for entry in entries.values():
        vocabulary.update([entry.title, *entry.aliases, *entry.keywords])
    for rec in [*constructs.values(), *lenses.values(), *practices.values()]:
        vocabulary.update([rec.name, *rec.keywords, *getattr(rec, "aliases", ())])
    raw_lexicon = _read(DATA_DIR / "lexicon.toml")
    for cues in raw_lexicon["kinds"].values():
        vocabulary.update(cues)
    lexicon = build_lexicon(raw_lexicon, vocabulary)
    index = _build_index(entries, constructs, lenses, practices, lexicon)
    lexicon.vocabulary = tuple(w for w in lexicon.vocabulary if w in index.idf)
    cue_words = {w for cues in raw_lexicon["kinds"].values() for cue in cues for w in lexicon.content_words(cue)}
    return KnowledgeBase(
        version=_fingerprint(files), constructs=constructs, lenses=lenses, practices=practices,
        entries=entries, lexicon=lexicon, index=index, frames=_read(DATA_DIR / "frames.toml"),
        known=frozenset(index.idf) | cue_words,
    )


def _build_index(entries, constructs, lenses, practices, lexicon: Lexicon) -> Index:
    def words(text: str) -> frozenset[str]:
        return frozenset(lexicon.content_words(text))

    # An entry's own title outranks another entry's alias that happens to say the same words.
    phrases = [Keyed(e.id, words(p), 1.0 if i == 0 else 0.97) for e in entries.values()
               for i, p in enumerate((e.title, *e.aliases))]
    phrases = [p for p in phrases if p.words]
    keywords = [Keyed(e.id, words(k)) for e in entries.values() for k in e.keywords]
    concepts = []
    for prefix, records in (("construct", constructs), ("lens", lenses), ("practice", practices)):
        for rec in records.values():
            names = (rec.name, *getattr(rec, "aliases", ()))
            concepts += [Keyed(f"{prefix}:{rec.id}", words(n), 1.5) for n in names]
            concepts += [Keyed(f"{prefix}:{rec.id}", words(k), 1.0) for k in rec.keywords]
    concepts = [c for c in concepts if c.words]

    df: dict[str, int] = defaultdict(int)
    for entry in entries.values():
        vocab = set().union(*(p.words for p in phrases if p.record == entry.id), *[words(k) for k in entry.keywords])
        for word in vocab:
            df[word] += 1
    for key in concepts:
        for word in key.words:
            df[word] += 0.25
    total = max(len(entries), 1)
    idf = {w: math.log(1 + total / (1 + n)) for w, n in df.items()}
    index = Index(idf=idf, entry_phrases=phrases, entry_keywords=keywords, concept_keys=concepts,
                  unknown_idf=max(idf.values(), default=1.0))
    for key in (*phrases, *keywords, *concepts):
        key.total = sum(index.weight(w) for w in key.words)
    for attr, keyed in (("by_word", phrases), ("keywords_by_word", keywords), ("concepts_by_word", concepts)):
        table: dict[str, list[int]] = defaultdict(list)
        for i, key in enumerate(keyed):
            for word in key.words:
                table[word].append(i)
        setattr(index, attr, dict(table))
    return index


def _cache_dir() -> Path:
    explicit = os.environ.get("INNERMEANING_CACHE")
    if explicit:
        return Path(explicit)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("innermeaning", appauthor=False))


@lru_cache(maxsize=1)
def load_knowledge() -> KnowledgeBase:
    """The compiled knowledge base, from the cache when the data files have not changed."""
    files = _data_files()
    if not files:
        raise KnowledgeError(f"no knowledge files under {DATA_DIR}")
    path = _cache_dir() / f"kb-{_fingerprint(files)}.pickle"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    kb = compile_knowledge(files)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            pickle.dump(kb, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a concurrent reader never sees half a file
    except OSError:
        pass  # a read-only cache only costs speed
    return kb
