"""The website's state and its one piece of flow: fetch a stored page or make a new one.

Routes stay thin: they ask `Site` for a page, a rendered explainer or a library connection and turn
the answer into a response. Each thread gets its own SQLite connection (connections are cheap to keep
and unsafe to share); rendered explainers are cached until their page or the library changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from ..config import Settings
from ..errors import TopicError
from ..models import Explainer, SafetyLevel
from ..pipeline import explain, make_plan
from ..store import Library
from .security import MAX_TOPIC, RateLimiter
from .templating import SiteLinks, render_explainer

RELATED = 6
CACHE_SIZE = 4096


@dataclass(frozen=True)
class Obtained:
    """A page asked for by topic, and whether it is in the library (so it has a stable address)."""

    page: Explainer
    stored: bool


class RenderCache:
    """Rendered pages by key, least recently used dropped first; thread-safe."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
            return html

    def put(self, key: tuple, html: str) -> None:
        with self._lock:
            self._items[key] = html
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class Site:
    """Everything the routes share: settings, the library connections, the rate limit and the cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.links = SiteLinks()
        self.limiter = RateLimiter(settings.rate_limit, 60.0)
        self.cache = RenderCache()
        self._local = threading.local()
        self._libraries: list[Library] = []
        self._lock = threading.Lock()

    # -- library connections ---------------------------------------------------------------------

    def library(self) -> Library:
        """This thread's connection to the library, opened (and migrated) on first use."""
        library = getattr(self._local, "library", None)
        if library is None:
            library = self._local.library = Library(self.settings.db_path)
            with self._lock:
                self._libraries.append(library)
        return library

    def close(self) -> None:
        with self._lock:
            for library in self._libraries:
                library.close()
            self._libraries.clear()
        self._local = threading.local()

    # -- pages -----------------------------------------------------------------------------------

    def obtain(self, query: str, client: str) -> Obtained:
        """The page for a topic: a crisis page (never stored), the stored page, or a new one.

        Only new pages count towards the client's rate limit. Runs in a worker thread: making a page
        can take a while with a model engine.
        """
        if len(query) > MAX_TOPIC:
            raise TopicError(f"the topic is {len(query)} characters long; please keep it under 200")
        plan = make_plan(query)  # TopicError for text we cannot explain
        if plan.safety.level is SafetyLevel.CRISIS:
            return Obtained(explain(query, settings=self.settings), stored=False)
        library = self.library()
        slug = plan.topic.slug
        if self.settings.store and library.version_of(slug) is not None:
            library.mark_asked(slug)
            return Obtained(library.get(slug), stored=True)
        self.limiter.hit(client)
        page = explain(query, settings=self.settings)
        if page.is_crisis or not self.settings.store:
            return Obtained(page, stored=False)
        library.save(page)
        return Obtained(page, stored=True)

    def explainer_html(self, slug: str, base_url: str = "") -> str:
        """The stored page `slug` as a full HTML page. Raises NotFoundError."""
        library = self.library()
        stamp = library.stamp(slug)  # (version, latest change): a new page anywhere may be related
        key = (slug, base_url, *stamp) if stamp else None
        if key is not None and (html := self.cache.get(key)) is not None:
            return html
        record = library.record(slug)  # NotFoundError when it is not there
        html = render_explainer(
            record.page, self.links, related=library.related(slug, RELATED), stored=True,
            url=base_url.rstrip("/") + self.links.explainer(slug), version=record.version,
            created=record.created, updated=record.updated,
        )
        if key is not None:
            self.cache.put(key, html)
        return html
