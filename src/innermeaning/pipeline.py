"""explain(): wires the stages together. It holds no stage logic of its own.

parse_topic -> screen -> match_topic -> plan -> compose (engine, fallback) -> check -> Explainer
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from .config import Settings, load_settings
from .engines.base import Engine, get_engine
from .errors import EngineError, InnerMeaningError
from .knowledge import load_knowledge, match_topic
from .knowledge.loader import KnowledgeBase
from .models import Explainer, Plan, SafetyLevel, Sections
from .planner import plan
from .safety import screen
from .topic import ensure_readable, parse_topic
from .validate import check

log = logging.getLogger(__name__)

CRISIS_TITLE = "You Don't Have to Face This Alone"


def make_plan(query: str, kb: KnowledgeBase | None = None) -> Plan:
    """Every stage before composition: the topic, its safety screen and the concepts that fit it."""
    kb = kb or load_knowledge()
    topic = parse_topic(query, kb.lexicon, kb.known)
    safety = screen(topic)  # before anything else may refuse or compose
    if safety.level is SafetyLevel.CRISIS:
        return plan(topic, safety, None)
    ensure_readable(topic, kb.known)
    return plan(topic, safety, match_topic(topic, kb))


def compose(the_plan: Plan, engine: Engine, settings: Settings) -> tuple[Sections, str, list[str]]:
    """Sections from the engine, or from the built-in engine when the chosen one fails and fallback is on."""
    try:
        return engine.compose(the_plan), engine.name, []
    except EngineError as exc:
        if engine.name == "builtin" or not settings.fallback:
            raise
        from .engines.builtin import shared_engine

        note = f"the {engine.name} engine failed ({exc.message}); this page comes from the built-in engine"
        return shared_engine().compose(the_plan), f"builtin (fallback from {engine.name})", [note]


def crisis_page(the_plan: Plan, kb: KnowledgeBase) -> Explainer:
    """Resources and a warm message; no meaning, no causes."""
    topic = the_plan.topic
    return Explainer(
        title=CRISIS_TITLE, query=topic.query, slug=topic.slug, kind=topic.kind,
        safety=the_plan.safety, engine="safety-screen", kb_version=kb.version,
    )


def assemble(the_plan: Plan, sections: Sections, engine_name: str, kb: KnowledgeBase, warnings: list[str]) -> Explainer:
    topic = the_plan.topic
    return Explainer(
        title=topic.title, query=topic.query, slug=topic.slug, kind=topic.kind,
        **sections.model_dump(), safety=the_plan.safety, concepts=the_plan.concept_ids,
        engine=engine_name, kb_version=kb.version, warnings=warnings,
    )


def explain(query: str, *, settings: Settings | None = None, engine: Engine | None = None) -> Explainer:
    """Explain one topic. Raises TopicError for unusable input, EngineError when no page can be written."""
    settings = settings or load_settings()
    kb = load_knowledge()
    the_plan = make_plan(query, kb)
    if the_plan.safety.level is SafetyLevel.CRISIS:
        return crisis_page(the_plan, kb)
    engine = engine or get_engine(settings)
    sections, engine_name, warnings = compose(the_plan, engine, settings)
    # Shape only: model engines check grounding on every draft themselves, and the built-in engine's
    # sentences are the knowledge base's own (tests ground every entry page once, not every run).
    problems = check(sections)
    if problems:
        log.debug("page for %r has problems: %s", query, problems)
    return assemble(the_plan, sections, engine_name, kb, warnings)


def explain_many(
    queries: Iterable[str], *, settings: Settings | None = None, engine: Engine | None = None
) -> Iterator[Explainer | InnerMeaningError]:
    """Explain many topics in input order; a failing topic yields its error instead of stopping the rest.

    The built-in engine runs in this thread (it needs microseconds); other engines run up to
    `settings.concurrency` requests at once.
    """
    settings = settings or load_settings()
    engine = engine or get_engine(settings)

    def one(query: str) -> Explainer | InnerMeaningError:
        try:
            return explain(query, settings=settings, engine=engine)
        except InnerMeaningError as exc:
            return exc

    if engine.name == "builtin" or settings.concurrency == 1:
        yield from map(one, queries)
        return
    with ThreadPoolExecutor(max_workers=settings.concurrency) as pool:
        yield from pool.map(one, queries)


__all__ = ["CRISIS_TITLE", "compose", "explain", "explain_many", "make_plan"]
