"""What keeps the website safe to expose: response headers, input size limits and the rate limit.

Every response carries a Content-Security-Policy that allows no script to run at all (the site needs
none), plus nosniff, a strict referrer policy, no framing and no powerful browser features.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from ..errors import RateLimitError
from ..topic import HARD_LIMIT

#: Longest topic accepted from a request. The pipeline refuses anything over 200 characters after
#: cleaning, but reads up to this much first so a long message about a crisis still gets resources.
MAX_TOPIC = HARD_LIMIT
MAX_SEARCH = 200  # characters of a search query
MAX_QUERY_STRING = 16_384  # bytes; anything longer is refused before any route runs

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
])

HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_RAW_HEADERS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS.items()]


class SecurityHeaders:
    """ASGI middleware adding HEADERS to every HTTP response (a plain ASGI wrapper: cheap per request)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", ())}
                extra = [(k, v) for k, v in _RAW_HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimiter:
    """At most `limit` events per client in any `window` seconds (a sliding log of timestamps).

    Thread-safe. Memory is bounded: at most `max_clients` clients are tracked, the least recently
    seen dropped first. Each server process keeps its own counts.
    """

    def __init__(self, limit: int, window: float = 60.0, *, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 10_000) -> None:
        self.limit, self.window, self.clock, self.max_clients = limit, window, clock, max_clients
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, client: str) -> None:
        """Count one event for `client`, or raise RateLimitError (with `retry_after` seconds) when over."""
        now = self.clock()
        with self._lock:
            hits = self._hits.pop(client, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            self._hits[client] = hits  # (re)inserted last: most recently seen
            if len(hits) >= self.limit:
                wait = max(1, math.ceil(hits[0] + self.window - now))
                error = RateLimitError(
                    f"you have asked for {self.limit} new pages in the last minute; "
                    f"please wait {wait} seconds. Pages already in the library are still open to you"
                )
                error.retry_after = wait
                raise error
            hits.append(now)
            while len(self._hits) > self.max_clients:
                self._hits.popitem(last=False)
