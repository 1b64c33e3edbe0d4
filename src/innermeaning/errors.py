"""Every error Inner Meaning raises on purpose. Each carries the HTTP status an interface should use.

InnerMeaningError (500)
 +-- TopicError (422) ............ the topic cannot be explained: empty, too long, no words left
 +-- NotFoundError (404) ......... no stored page or resource by that name
 +-- RateLimitError (429) ........ a client asked for too many pages too quickly
 +-- ConfigError (400) ........... a setting is missing or invalid (engine name, URL, model)
 +-- KnowledgeError (500) ........ the knowledge base is missing or malformed
 +-- StoreError (500) ............ the library database could not be read or written
 +-- EngineError (502) ........... an engine could not produce a page
      +-- EngineTimeout (504) .... the model did not answer in time
      +-- DraftRejected (502) .... every draft failed validation; carries attempts and the last draft

Interfaces convert these once: the CLI prints `error: <message>` and exits with `exit_code`;
the web app renders an HTML page or a JSON envelope with `status`.
"""

from __future__ import annotations


class InnerMeaningError(Exception):
    """Base class: a message fit for the user, and the HTTP status it maps to."""

    status: int = 500
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TopicError(InnerMeaningError):
    status = 422
    exit_code = 2


class NotFoundError(InnerMeaningError):
    status = 404


class RateLimitError(InnerMeaningError):
    status = 429


class ConfigError(InnerMeaningError):
    status = 400
    exit_code = 2


class KnowledgeError(InnerMeaningError):
    status = 500


class StoreError(InnerMeaningError):
    status = 500


class EngineError(InnerMeaningError):
    status = 502


class EngineTimeout(EngineError):
    status = 504


class DraftRejected(EngineError):
    """No draft passed validation within the allowed attempts."""

    def __init__(self, message: str, *, attempts: int, problems: list[str], last_draft: str | None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.problems = problems
        self.last_draft = last_draft
