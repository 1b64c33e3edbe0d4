"""Every test runs against a private library and cache: nothing touches the user's real files."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    # The compiled knowledge base is cached once per test session, in a temporary folder.
    mp = pytest.MonkeyPatch()
    mp.setenv("INNERMEANING_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """A fresh INNERMEANING_HOME per test, with no config file and no model settings."""
    path = tmp_path / "home"
    monkeypatch.setenv("INNERMEANING_HOME", str(path))
    for name in ("ENGINE", "BASE_URL", "MODEL", "API_KEY", "CONFIG", "TIMEOUT", "STORE"):
        monkeypatch.delenv(f"INNERMEANING_{name}", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return path


@pytest.fixture(scope="session")
def kb():
    from innermeaning.knowledge import load_knowledge

    return load_knowledge()
