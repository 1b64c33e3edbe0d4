"""plan(): decide what the page is written from: its title and kind, the safety note, and the concepts.

A crisis topic gets a plan with no concepts at all: nothing "means" anything on a crisis page.
"""

from __future__ import annotations

from .knowledge.match import TITLE_FIT
from .models import Match, Plan, Safety, SafetyLevel, Topic
from .safety import medical_note


def plan(topic: Topic, safety: Safety, match: Match | None) -> Plan:
    """Settle title, kind and safety level, and carry the matched concepts to the engine."""
    if safety.level is SafetyLevel.CRISIS or match is None:
        return Plan(topic=topic, safety=safety)
    entry = match.entry
    if entry is not None:
        # A close fit takes the entry's title and kind; a loose one keeps the user's words.
        updates: dict = {"kind": entry.kind}
        if match.fit >= TITLE_FIT:
            updates["title"] = entry.title
        topic = topic.model_copy(update=updates)
    return Plan(
        topic=topic,
        safety=medical_note(topic.kind, entry),
        entry=entry,
        fit=match.fit,
        constructs=match.constructs,
        lenses=match.lenses,
        practices=match.practices,
        themes=match.themes,
        motif=match.motif,
        related=match.related,
    )
