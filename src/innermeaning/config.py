"""Settings, resolved in one place: defaults <- config file <- INNERMEANING_* env <- explicit arguments.

The config file is TOML at `$INNERMEANING_CONFIG`, else `<home>/config.toml`; keys are the field names
below. The API key is read from the environment only (INNERMEANING_API_KEY, then OPENAI_API_KEY) and is
never written anywhere.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from .errors import ConfigError

ENV_PREFIX = "INNERMEANING_"


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("innermeaning", appauthor=False))


class Settings(BaseModel):
    """Every setting, documented; `innermeaning config` prints them."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    home: Path = Field(default_factory=default_home, description="Where the library database and config live")
    engine: str = Field("builtin", description="Engine that writes pages: builtin or openai")
    base_url: str | None = Field(None, description="OpenAI-compatible API root, e.g. http://127.0.0.1:11434/v1")
    model: str | None = Field(None, description="Model name for the openai engine")
    api_key: SecretStr | None = Field(None, description="API key; from INNERMEANING_API_KEY or OPENAI_API_KEY", exclude=True)
    timeout: float = Field(60.0, gt=0, le=3600, description="Seconds to wait for one model request")
    retries: int = Field(2, ge=0, le=10, description="Retries on 429 and 5xx answers, with backoff")
    attempts: int = Field(3, ge=1, le=5, description="Drafts a model may write before the page falls back")
    fallback: bool = Field(True, description="Fall back to the built-in engine when the model fails")
    concurrency: int = Field(8, ge=1, le=64, description="Topics explained at once with the openai engine")
    rate_limit: int = Field(30, ge=1, description="New pages per client per minute on the website")
    store: bool = Field(True, description="Keep every generated page in the library")

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in {"builtin", "openai"}:
            raise ValueError("engine must be 'builtin' or 'openai'")
        return value

    @property
    def db_path(self) -> Path:
        return self.home / "library.db"


def _read_file(home: Path | None) -> dict[str, Any]:
    explicit = os.environ.get(ENV_PREFIX + "CONFIG")
    path = Path(explicit) if explicit else (home or default_home()) / "config.toml"
    if not path.is_file():
        if explicit:
            raise ConfigError(f"config file not found: {path}")
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc


def _read_env() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in Settings.model_fields:
        raw = os.environ.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = raw
    if "api_key" not in values and os.environ.get("OPENAI_API_KEY"):
        values["api_key"] = os.environ["OPENAI_API_KEY"]
    return values


def load_settings(**overrides: Any) -> Settings:
    """Resolve settings from every layer; `overrides` (e.g. CLI flags) win. None means 'not given'."""
    given = {k: v for k, v in overrides.items() if v is not None}
    env = _read_env()
    home_hint = given.get("home") or env.get("home")
    from_file = _read_file(Path(home_hint) if home_hint else None)
    from_file.pop("api_key", None)  # keys come from the environment only, never from a file
    layered = {**from_file, **env, **given}
    try:
        return Settings(**layered)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"invalid setting {field}: {first['msg']}") from exc
