"""The `openai` engine: any OpenAI-compatible chat model writes the page, and Inner Meaning judges it.

    plan -> first_messages -> chat.completions.create -> read_draft -> validate.check
                 ^                                                          |
                 +---- assistant draft + repair message (problems) <--------+  up to `attempts` drafts

Only a draft that passes every check is returned, so an invalid page is never shown or stored as the
model's; after the last attempt DraftRejected carries the attempts, the problems and the last draft,
and the pipeline decides whether to fall back to the built-in engine.

Transport is the official `openai` SDK: `timeout` per request (EngineTimeout), `max_retries` with the
SDK's exponential backoff on 429 and 5xx, and a connection pool as wide as `concurrency`. Structured
output is asked for with a strict JSON schema; a server that refuses that gets `json_object`, then a
plain request, and the engine remembers the downgrade. The API key is handed to the SDK and nowhere
else: it is never logged, never stored, and scrubbed from any server message we repeat.

This module imports the SDK at the top, so it is itself imported only when the engine is chosen.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import openai

from ..errors import ConfigError, DraftRejected, EngineError, EngineTimeout
from ..knowledge import load_knowledge
from ..knowledge.loader import KnowledgeBase
from ..models import Plan, Sections
from ..validate import check
from .drafts import FORMATS, first_messages, read_draft, repair_prompt, response_format

if TYPE_CHECKING:
    from ..config import Settings

log = logging.getLogger(__name__)

#: Sent as the key when none is set: local servers (Ollama, llama.cpp, vLLM) ignore it, the SDK needs one.
PLACEHOLDER_KEY = "not-needed"
#: Words in a 400/422 answer that mean "this server does not do that response_format".
_FORMAT_REFUSALS = ("response_format", "json_schema", "json_object", "schema", "not supported", "unsupported")
_HINTS = {
    401: "check INNERMEANING_API_KEY or OPENAI_API_KEY",
    403: "check INNERMEANING_API_KEY or OPENAI_API_KEY",
    404: "check the base URL (it usually ends in /v1) and the model name",
    429: "the server is rate limiting; try again later or lower INNERMEANING_CONCURRENCY",
}


@dataclass(frozen=True)
class Answer:
    """One reply from the model: its text, and a problem to report when the reply itself is unusable."""

    text: str
    problem: str | None = None


class OpenAIEngine:
    """Writes pages with a model behind an OpenAI-compatible API, validating and repairing each draft."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        retries: int = 2,
        attempts: int = 3,
        concurrency: int = 8,
        kb: KnowledgeBase | None = None,
    ) -> None:
        self.model = model
        self.name = f"openai:{model}"
        self.attempts = attempts
        self.timeout = timeout
        self.kb = kb or load_knowledge()
        self._secret = api_key or ""
        self._format = 0  # index into FORMATS; only ever moves towards plainer requests
        self._lock = threading.Lock()
        width = max(concurrency, 1)
        # The SDK's own Limits type (httpx or httpx2, whichever this SDK version is built on).
        limits = type(openai.DEFAULT_CONNECTION_LIMITS)(max_connections=width, max_keepalive_connections=width)
        self._client = openai.OpenAI(
            api_key=api_key or PLACEHOLDER_KEY,
            base_url=base_url,
            timeout=timeout,
            max_retries=retries,
            http_client=openai.DefaultHttpxClient(limits=limits, timeout=timeout),
        )
        self.base_url = str(self._client.base_url).rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings, kb: KnowledgeBase | None = None) -> OpenAIEngine:
        """The engine the settings describe; ConfigError when the model or the server is not given."""
        if not settings.model:
            raise ConfigError("the openai engine needs a model name: pass --model NAME or set INNERMEANING_MODEL")
        key = settings.api_key.get_secret_value() if settings.api_key else None
        if settings.base_url:
            if not settings.base_url.startswith(("http://", "https://")):
                raise ConfigError(
                    f"base URL {settings.base_url!r} must start with http:// or https://, e.g. http://127.0.0.1:11434/v1"
                )
        elif not key:
            raise ConfigError(
                "the openai engine needs a server: pass --base-url URL (e.g. http://127.0.0.1:11434/v1) "
                "or set INNERMEANING_BASE_URL; to use OpenAI itself, set INNERMEANING_API_KEY or OPENAI_API_KEY"
            )
        return cls(
            model=settings.model, base_url=settings.base_url, api_key=key, timeout=settings.timeout,
            retries=settings.retries, attempts=settings.attempts, concurrency=settings.concurrency, kb=kb,
        )

    def __repr__(self) -> str:
        return f"OpenAIEngine(model={self.model!r}, base_url={self.base_url!r})"

    @property
    def response_mode(self) -> str:
        """How structured output is currently requested: json_schema, json_object or text."""
        return FORMATS[self._format]

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def compose(self, plan: Plan) -> Sections:
        """A validated page for `plan`, or DraftRejected after `attempts` drafts that all failed the checks."""
        messages = first_messages(plan)
        problems: list[str] = []
        draft: str | None = None
        for attempt in range(1, self.attempts + 1):
            answer = self._ask(messages)
            draft = answer.text
            sections, problems = read_draft(draft)
            if sections is not None:
                problems = check(sections, self.kb, plan.topic.query)
                if not problems:
                    return sections
            if answer.problem:
                problems.insert(0, answer.problem)
            log.info("%s: draft %d of %d for %r failed: %s", self.name, attempt, self.attempts, plan.topic.slug,
                     "; ".join(problems))
            messages += [{"role": "assistant", "content": draft}, {"role": "user", "content": repair_prompt(problems)}]
        shown = problems[0] + (f"; {len(problems)} problems in all" if len(problems) > 1 else "")
        raise DraftRejected(
            f"the model's page failed Inner Meaning's checks {self.attempts} times ({shown})",
            attempts=self.attempts, problems=problems, last_draft=draft,
        )

    # -- transport -------------------------------------------------------------------------------
    def _ask(self, messages: list[dict[str, str]]) -> Answer:
        """One completion. Steps down the response formats when the server refuses one."""
        while True:
            mode = self._format
            extra: dict[str, Any] = {}
            if (wanted := response_format(FORMATS[mode])) is not None:
                extra["response_format"] = wanted
            try:
                completion = self._client.chat.completions.create(model=self.model, messages=messages, **extra)
            except openai.APITimeoutError as exc:
                raise EngineTimeout(f"the model at {self.base_url} did not answer within {self.timeout:g} seconds") from exc
            except openai.APIConnectionError as exc:
                raise EngineError(f"cannot reach the model server at {self.base_url}") from exc
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                if mode + 1 < len(FORMATS) and _refuses_format(exc):
                    self._step_down(mode, exc)
                    continue
                raise EngineError(self._describe(exc)) from exc
            except openai.APIStatusError as exc:
                raise EngineError(self._describe(exc)) from exc
            return _answer(completion)

    def _step_down(self, mode: int, exc: openai.APIStatusError) -> None:
        with self._lock:  # several topics may hit the refusal at once; step down one place, once
            if self._format == mode:
                self._format = mode + 1
                log.info("%s: server refused response_format %s (%d); using %s",
                         self.name, FORMATS[mode], exc.status_code, FORMATS[mode + 1])

    def _describe(self, exc: openai.APIStatusError) -> str:
        """The server's answer in one line, with a hint, and without the key even if the server echoed it."""
        message = f"the model server answered {exc.status_code}"
        detail = _server_message(exc)
        if detail:
            message += f": {detail}"
        if exc.status_code in _HINTS:
            message += f" ({_HINTS[exc.status_code]})"
        return self._redact(message)

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "[key]") if len(self._secret) >= 4 else text


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        text = error.get("message") if isinstance(error, dict) else error
        text = text if isinstance(text, str) else body.get("message") or body.get("detail") or ""
    else:
        text = body if isinstance(body, str) else ""
    return " ".join(str(text).split())[:200]


def _refuses_format(exc: openai.APIStatusError) -> bool:
    said = f"{_server_message(exc)} {exc.message}".lower()
    return any(word in said for word in _FORMAT_REFUSALS)


def _answer(completion: Any) -> Answer:
    """The first choice's text, noting a refusal, an empty reply or one cut off at the length limit."""
    if not completion.choices:
        return Answer("", "the server returned no answer at all")
    choice = completion.choices[0]
    text = choice.message.content or ""
    refusal = getattr(choice.message, "refusal", None)
    if refusal:
        return Answer(text, f"the model declined to write the page ({' '.join(str(refusal).split())[:120]})")
    if choice.finish_reason == "length":
        return Answer(text, "the answer was cut off at the length limit: keep each section within its word range")
    return Answer(text)
