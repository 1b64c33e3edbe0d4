"""Engines write a page's prose from a Plan: `builtin` (offline, default) and `openai` (any compatible server)."""

from .base import Engine, get_engine

__all__ = ["Engine", "get_engine"]
