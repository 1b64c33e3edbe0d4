"""explain(): stages wired together, engines swapped, failures handled."""

from __future__ import annotations

import pytest

from innermeaning import EngineError, TopicError, explain, explain_many
from innermeaning.config import load_settings
from tests.fakes import FakeEngine


def test_engine_receives_a_grounded_plan():
    engine = FakeEngine()
    page = explain("fear of rejection", engine=engine)
    plan = engine.plans[0]
    assert plan.entry is not None and plan.entry.id in page.concepts
    assert [c.id for c in plan.constructs] == [c for c in page.concepts if c in {x.id for x in plan.constructs}]
    assert page.engine == "fake"


def test_failing_engine_falls_back_to_builtin_with_a_warning():
    page = explain("fear of rejection", engine=FakeEngine(error=EngineError("model unavailable")))
    assert page.engine == "builtin (fallback from fake)"
    assert page.warnings and "model unavailable" in page.warnings[0]
    assert "rejection" in page.psychological_perspective.lower()


def test_no_fallback_raises():
    settings = load_settings(fallback=False)
    with pytest.raises(EngineError):
        explain("fear of rejection", settings=settings, engine=FakeEngine(error=EngineError("down")))


def test_many_topics_keep_order_and_report_errors_in_place():
    results = list(explain_many(["fear of rejection", "", "dreaming of water"]))
    assert results[0].title == "Fear of Rejection"
    assert isinstance(results[1], TopicError)
    assert results[2].kind.value == "dream"


def test_public_api_is_sorted():
    import innermeaning

    assert innermeaning.__all__ == sorted(innermeaning.__all__)
