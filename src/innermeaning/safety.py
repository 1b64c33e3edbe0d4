"""screen(): the safety check that runs before anything is composed; medical_note() for body topics.

The patterns, resources and messages are data (knowledge/data/safety.toml). A crisis topic gets a page
of resources and a short warm message instead of a "meaning", and never reaches a model.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache

from .knowledge.loader import DATA_DIR
from .models import Entry, Kind, Resource, Safety, SafetyLevel, Topic
from .safety_features import features

#: When several signals match, the most specific one chooses the message and extra resources.
PRIORITY = ("abuse", "overdose", "eating_disorder", "harm_to_others", "self_harm", "suicide")


@dataclass(frozen=True)
class _Signal:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class _Combo:
    """A marker of wish, intent or plan followed within `window` words by a harm target."""

    name: str
    markers: re.Pattern[str]
    targets: re.Pattern[str]
    window: int

    def find(self, text: str) -> list[tuple[int, int]]:
        spans = []
        for marker in self.markers.finditer(text):
            reach = re.match(r"(?:\s*\S+){0,%d}" % self.window, text[marker.end():])
            end = marker.end() + (reach.end() if reach else 0)
            target = self.targets.search(text, marker.end(), end)
            if target:
                spans.append(target.span())
        return spans


@dataclass(frozen=True)
class _Rules:
    signals: tuple[_Signal, ...]
    combos: tuple[_Combo, ...]
    model_veto: tuple[re.Pattern[str], ...]
    near_miss: tuple[re.Pattern[str], ...]
    resources: dict[str, tuple[Resource, ...]]
    messages: dict[str, str]
    medical: dict[str, str]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    with (DATA_DIR / "safety.toml").open("rb") as handle:
        raw = tomllib.load(handle)

    def compile_all(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p, re.IGNORECASE) for p in patterns)

    signals = tuple(
        _Signal(name, compile_all(raw["crisis"][name]["patterns"]), compile_all(raw["crisis"][name].get("unless", [])))
        for name in PRIORITY
    )
    combos = tuple(
        _Combo(name, re.compile(r"\b(?:" + "|".join(c["markers"]) + r")\b", re.IGNORECASE),
               re.compile(r"\b(?:" + "|".join(c["targets"]) + ")", re.IGNORECASE), c["window"])
        for name, c in raw["combo"].items()
    )
    resources = {k: tuple(Resource(**r) for r in v) for k, v in raw["resources"].items()}
    return _Rules(signals, combos, compile_all(raw["model"]["veto"]), compile_all(raw["near_miss"]["patterns"]),
                  resources, raw["messages"], raw["medical"])


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", re.sub(r"[^\w' -]", " ", text)).strip()


def _overlaps(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in others)


def crisis_signal(text: str) -> str | None:
    """The name of the crisis signal in `text`, or None. Ordinary idioms that cover the match cancel it."""
    text = _normalise(text)
    rules = _rules()
    benign = [m.span() for p in rules.near_miss for m in p.finditer(text)]
    for signal in rules.signals:
        cancel = benign + [m.span() for p in signal.unless for m in p.finditer(text)]
        for pattern in signal.patterns:
            if any(not _overlaps(m.span(), cancel) for m in pattern.finditer(text)):
                return signal.name
    unless = {s.name: [m.span() for p in s.unless for m in p.finditer(text)] for s in rules.signals}
    for combo in rules.combos:
        cancel = benign + unless.get(combo.name, [])
        if any(not _overlaps(span, cancel) for span in combo.find(text)):
            return combo.name
    # The model only speaks where no rule saw an ordinary idiom ("burning myself out") or a veto context.
    vetoed = benign or any(spans for spans in unless.values()) or any(p.search(text) for p in rules.model_veto)
    if not vetoed and model_score(text) >= _model()["threshold"]:
        return "distress"
    return None


@lru_cache(maxsize=1)
def _model() -> dict:
    with (DATA_DIR / "screen_model.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def model_score(text: str) -> float:
    """The statistical screen's score for `text`; at or above the model's threshold means distress."""
    model = _model()
    weights = model["weights"]
    return model["bias"] + sum(weights.get(f, 0.0) for f in features(text))


def crisis_safety(signal: str) -> Safety:
    rules = _rules()
    extra = rules.resources.get(signal, ())  # "distress" (the model's signal) adds no specific line
    return Safety(
        level=SafetyLevel.CRISIS, message=rules.messages[signal],
        resources=extra + rules.resources["crisis"], category=signal,
    )


def screen(topic: Topic) -> Safety:
    """Crisis or none. Runs on what the user typed, before any knowledge is matched or composed."""
    signal = crisis_signal(topic.query)
    return crisis_safety(signal) if signal else Safety()


def medical_note(kind: Kind, entry: Entry | None) -> Safety:
    """A note on when to see a doctor for body topics (or any entry that carries one)."""
    if kind is not Kind.BODY and not (entry and entry.medical):
        return Safety()
    rules = _rules()
    specific = entry.medical if entry and entry.medical else rules.medical["default"]
    # The emergency line belongs to body sensations; a habit's note (skin picking) keeps to its own advice.
    message = f"{specific} {rules.medical['urgent']}" if kind is Kind.BODY else specific
    return Safety(level=SafetyLevel.MEDICAL, message=message)
