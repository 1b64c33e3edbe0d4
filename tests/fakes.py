"""Stand-ins for engines, so pipeline and interface tests need no model and no network."""

from __future__ import annotations

from innermeaning.errors import EngineError
from innermeaning.models import Plan, Sections

_SENTENCE = "This fake sentence stands in for real prose about the topic and keeps the page long enough."


class FakeEngine:
    """Returns a fixed, valid page, or raises `error` when given one. Records every plan it saw."""

    def __init__(self, name: str = "fake", error: EngineError | None = None) -> None:
        self.name = name
        self.error = error
        self.plans: list[Plan] = []

    def compose(self, plan: Plan) -> Sections:
        self.plans.append(plan)
        if self.error is not None:
            raise self.error
        body = " ".join([_SENTENCE] * 5)
        return Sections(
            intro=body, core_meaning=body, spiritual_perspective=body, psychological_perspective=body,
            possible_causes=[f"A fake cause number {n} for testing" for n in range(1, 5)], gentle_advice=body,
        )
