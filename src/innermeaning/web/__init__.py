"""The website and JSON API (FastAPI + Jinja): thin routes over the pipeline and the library.

`create_app()` is imported lazily so that `web.templating` (used by the static export) does not pull
in FastAPI.
"""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
