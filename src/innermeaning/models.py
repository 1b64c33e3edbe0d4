"""Typed contracts passed between the pipeline's stages.

topic.parse_topic -> Topic -> safety.screen -> Safety -> knowledge.match_topic -> Match
-> planner.plan -> Plan -> Engine.compose -> Sections -> validate.check -> Explainer
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Kind(StrEnum):
    """What sort of experience a topic is; it steers wording and which knowledge fits."""

    PATTERN = "pattern"
    EMOTION = "emotion"
    BEHAVIOR = "behavior"
    RELATIONSHIP = "relationship"
    DREAM = "dream"
    SIGN = "sign"
    BODY = "body"
    LIFE = "life"
    SPIRITUAL = "spiritual"


class SectionKind(StrEnum):
    """The sections of an explainer page, in page order. Keys and titles are defined here only."""

    INTRO = "intro"
    CORE_MEANING = "core_meaning"
    SPIRITUAL_PERSPECTIVE = "spiritual_perspective"
    PSYCHOLOGICAL_PERSPECTIVE = "psychological_perspective"
    POSSIBLE_CAUSES = "possible_causes"
    GENTLE_ADVICE = "gentle_advice"

    @property
    def title(self) -> str:
        return _SECTION_TITLES[self]


_SECTION_TITLES = {
    SectionKind.INTRO: "Introduction",
    SectionKind.CORE_MEANING: "Core Meaning",
    SectionKind.SPIRITUAL_PERSPECTIVE: "Spiritual Perspective",
    SectionKind.PSYCHOLOGICAL_PERSPECTIVE: "Psychological Perspective",
    SectionKind.POSSIBLE_CAUSES: "Possible Causes",
    SectionKind.GENTLE_ADVICE: "Gentle Advice",
}

#: Sections shown under a heading, in order (the intro sits under the title, unheaded).
HEADED_SECTIONS = tuple(s for s in SectionKind if s is not SectionKind.INTRO)


class SafetyLevel(StrEnum):
    NONE = "none"
    MEDICAL = "medical"
    CRISIS = "crisis"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Topic(_Frozen):
    """A cleaned user topic: what they typed, how we display it and what kind it is."""

    query: str = Field(description="The text as the user typed it, control characters stripped")
    text: str = Field(description="Normalised lower-case text used for matching")
    title: str
    slug: str
    kind: Kind
    words: tuple[str, ...] = Field(description="Content words, lemmatised, stopwords removed")
    focus: str = Field("", description="The image or object at the topic's centre: 'a giraffe' in 'dream about a giraffe'")
    head: str = Field("", description="The phrase's head word, lemmatised: 'guilty' in 'mom guilt'")


class Resource(_Frozen):
    name: str
    contact: str = ""
    url: str = ""


class Safety(_Frozen):
    level: SafetyLevel = SafetyLevel.NONE
    message: str = ""
    resources: tuple[Resource, ...] = ()
    category: str | None = Field(default=None, description="Which crisis signal fired, for logs and tests")


class Construct(_Frozen):
    """A psychological construct card from the knowledge base."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    gloss: str
    definitions: tuple[str, ...]
    shows_up: tuple[str, ...]
    causes: tuple[str, ...]
    references: tuple[str, ...]
    practices: tuple[str, ...] = ()


class Lens(_Frozen):
    """A spiritual or philosophical way of seeing, always attributed to its tradition."""

    id: str
    name: str
    tradition: str
    keywords: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    views: tuple[str, ...]
    invitations: tuple[str, ...]


class Practice(_Frozen):
    """Something a person can do, used for Gentle Advice."""

    id: str
    name: str
    keywords: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    steps: tuple[str, ...]
    reference: str = ""


class Entry(_Frozen):
    """A specific topic people type, with what is particular to it."""

    id: str
    title: str
    kind: Kind
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    constructs: tuple[str, ...]
    lenses: tuple[str, ...]
    practices: tuple[str, ...]
    intro: tuple[str, ...]
    core: tuple[str, ...]
    spiritual: tuple[str, ...]
    causes: tuple[str, ...]
    advice: tuple[str, ...]
    links: dict[str, str] = Field(default_factory=dict)
    medical: str = ""

    @field_validator("medical", mode="before")
    @classmethod
    def _join_sentences(cls, value: object) -> object:
        return " ".join(value) if isinstance(value, list) else value


class Match(_Frozen):
    """Where a topic lands in the knowledge base and how well it fits."""

    entry: Entry | None = None
    fit: float = Field(0.0, description="0..1: how well the best entry fits the topic")
    constructs: tuple[Construct, ...] = ()
    lenses: tuple[Lens, ...] = ()
    practices: tuple[Practice, ...] = ()
    themes: tuple[str, ...] = ()
    motif: str = Field("", description="For dreams and signs without an entry: the image itself, e.g. 'giraffe'")
    related: tuple[Entry, ...] = Field((), description="Near entries that lend concepts and causes to a general page")


class Plan(_Frozen):
    """What the engine should write from: the topic, its safety note and the concepts for each section."""

    topic: Topic
    safety: Safety
    entry: Entry | None = None
    fit: float = 0.0
    constructs: tuple[Construct, ...] = ()
    lenses: tuple[Lens, ...] = ()
    practices: tuple[Practice, ...] = ()
    themes: tuple[str, ...] = ()
    motif: str = ""
    related: tuple[Entry, ...] = ()

    @property
    def concept_ids(self) -> list[str]:
        ids = [self.entry.id] if self.entry else []
        ids += [c.id for c in self.constructs] + [lens.id for lens in self.lenses] + [p.id for p in self.practices]
        return ids


class Sections(BaseModel):
    """What an engine returns: the page's prose, section by section."""

    model_config = ConfigDict(extra="forbid")

    intro: str
    core_meaning: str
    spiritual_perspective: str
    psychological_perspective: str
    possible_causes: list[str]
    gentle_advice: str


class Explainer(BaseModel):
    """A finished page. Its JSON form is the public shape used by the CLI, the API and the library."""

    model_config = ConfigDict(extra="forbid")

    title: str
    query: str
    slug: str
    kind: Kind
    intro: str = ""
    core_meaning: str = ""
    spiritual_perspective: str = ""
    psychological_perspective: str = ""
    possible_causes: list[str] = Field(default_factory=list)
    gentle_advice: str = ""
    safety: Safety = Field(default_factory=Safety)
    concepts: list[str] = Field(default_factory=list)
    engine: str = "builtin"
    kb_version: str = ""
    warnings: list[str] = Field(default_factory=list, description="Notes for the user, e.g. a fallback")

    @property
    def is_crisis(self) -> bool:
        return self.safety.level is SafetyLevel.CRISIS

    def section(self, kind: SectionKind) -> str | list[str]:
        return getattr(self, kind.value)
