"""The Engine interface: take a Plan, return the page's Sections. Engines are looked up by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..errors import ConfigError
from ..models import Plan, Sections

if TYPE_CHECKING:
    from ..config import Settings


@runtime_checkable
class Engine(Protocol):
    """Writes a page's prose from a plan. `name` is recorded in every page's provenance."""

    name: str

    def compose(self, plan: Plan) -> Sections:
        """Return the six sections for `plan`. Raise EngineError when no page can be written."""
        ...


def get_engine(settings: Settings) -> Engine:
    """The engine the settings ask for. Heavy engines are imported only when chosen."""
    if settings.engine == "builtin":
        from .builtin import shared_engine

        return shared_engine()
    if settings.engine == "openai":
        from .openai import OpenAIEngine

        return OpenAIEngine.from_settings(settings)
    raise ConfigError(f"unknown engine {settings.engine!r}; choose builtin or openai")
