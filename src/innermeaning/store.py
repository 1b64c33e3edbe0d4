"""The library: every generated page kept in SQLite, with its provenance and earlier versions.

One row per normalised topic (the page's slug) in `pages`; generating a topic again updates that row
and copies the page it replaces into `versions`. `page_concepts` links pages to the knowledge-base
concepts they drew on (related topics are pages sharing concepts) and `pages_fts` is an FTS5 index
ranked with bm25. The schema is built by named migrations, recorded in `_migrations` (as simonw/llm
does); each runs in the same transaction as its record, so a crash leaves either both or neither.

Writes take the write lock up front (BEGIN IMMEDIATE) and wait for other writers (busy timeout); the
journal is WAL so readers never block the writer. Crisis pages are refused here as well as upstream.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import NotFoundError, StoreError
from .models import HEADED_SECTIONS, Explainer, Kind, SectionKind

RELATED_SCAN = 200  # newest pages per shared concept considered by related()
BUSY_TIMEOUT = 10.0  # seconds a writer waits for another writer before giving up
MARK_START, MARK_END = "\x02", "\x03"  # snippet markers: control characters no stored text contains
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
RANK_WEIGHTS = "30.0, 10.0, 1.0"  # bm25 weights of title, query and prose: a title match outranks prose
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # what slugify() makes; also safe as a file name
_TERM = re.compile(r"\w+", re.UNICODE)

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    """Register a schema step. Steps run once, in definition order; never rename or reorder them."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_pages(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE pages (
            id INTEGER PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            query TEXT NOT NULL,
            engine TEXT NOT NULL,
            kb_version TEXT NOT NULL,
            body TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            asks INTEGER NOT NULL DEFAULT 1,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX pages_kind_updated ON pages(kind, updated)")
    db.execute("CREATE INDEX pages_updated ON pages(updated)")
    db.execute("CREATE INDEX pages_asks ON pages(asks)")


@migration
def m002_concepts(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE page_concepts (
            page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
            concept TEXT NOT NULL,
            PRIMARY KEY (page_id, concept)
        ) WITHOUT ROWID""")
    db.execute("CREATE INDEX page_concepts_concept ON page_concepts(concept, page_id)")


@migration
def m003_versions(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            engine TEXT NOT NULL,
            kb_version TEXT NOT NULL,
            body TEXT NOT NULL,
            created TEXT NOT NULL,
            UNIQUE (page_id, version)
        )""")


@migration
def m004_fts(db: sqlite3.Connection) -> None:
    # rowid = pages.id; kept in step by save() inside the same transaction. The rank is configured in
    # the index so `ORDER BY rank` lets FTS5 sort by itself: snippets are then made for the hits shown only.
    db.execute("CREATE VIRTUAL TABLE pages_fts USING fts5(title, query, text, tokenize='porter unicode61')")
    db.execute(f"INSERT INTO pages_fts (pages_fts, rank) VALUES ('rank', 'bm25({RANK_WEIGHTS})')")


@dataclass(frozen=True, slots=True)
class Summary:
    """A page as listed: enough for a link and a label."""

    slug: str
    title: str
    kind: str


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A search hit. `snippet` is plain text with matches between MARK_START and MARK_END."""

    slug: str
    title: str
    kind: str
    snippet: str


@dataclass(frozen=True, slots=True)
class Saved:
    """What save() did: the page's slug, its version number now, and whether the row is new."""

    slug: str
    version: int
    created: bool


@dataclass(frozen=True, slots=True)
class Record:
    """A stored page with its provenance."""

    page: Explainer
    version: int
    asks: int
    created: str
    updated: str


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def searchable_text(page: Explainer) -> str:
    """The prose of a page, in page order, as one string for the full-text index."""
    parts = [page.intro]
    for kind in HEADED_SECTIONS:
        value = page.section(kind)
        parts.append(" ".join(value) if kind is SectionKind.POSSIBLE_CAUSES else str(value))
    return _CONTROL.sub(" ", "\n".join(p for p in parts if p))


def match_expression(query: str, *, any_term: bool = False) -> str | None:
    """User text as a safe FTS5 expression: each word quoted, so nothing is read as an operator."""
    terms = _TERM.findall(query.lower())[:12]
    if not terms:
        return None
    quoted = [f'"{t}"' for t in terms]
    return (" OR " if any_term else " ").join(quoted)


class Library:
    """The SQLite library. Use as a context manager: `with Library(path) as library: library.save(page)`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")  # durable across crashes of the process in WAL
            self.db.execute("PRAGMA foreign_keys = ON")
            self.migrate()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the library at {self.path}: {exc}") from exc

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything in it is stored, or nothing is."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"the library is busy or unwritable: {exc}") from exc
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded; returns the names applied now."""
        self.db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
        done = {row[0] for row in self.db.execute("SELECT name FROM _migrations")}
        if all(fn.__name__ in done for fn in MIGRATIONS):
            return []
        applied = []
        with self.transaction() as db:
            done = {row[0] for row in db.execute("SELECT name FROM _migrations")}  # re-read under the lock
            for fn in MIGRATIONS:
                if fn.__name__ not in done:
                    fn(db)
                    db.execute("INSERT INTO _migrations (name, applied) VALUES (?, ?)", (fn.__name__, now()))
                    applied.append(fn.__name__)
        return applied

    def applied_migrations(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT name FROM _migrations ORDER BY rowid")]

    # -- writing ---------------------------------------------------------------------------------

    def save(self, page: Explainer) -> Saved:
        """Store a page under its slug. A page already there is kept in `versions` and replaced."""
        if page.is_crisis:
            raise StoreError("crisis pages are never stored")
        if not SLUG.match(page.slug) or len(page.slug) > 80:
            raise StoreError(f"cannot save a page with the slug {page.slug!r}: use lower-case letters, digits and -")
        body, stamp = page.model_dump_json(), now()
        text = searchable_text(page)
        try:
            with self.transaction() as db:
                row = db.execute("SELECT id, version FROM pages WHERE slug = ?", (page.slug,)).fetchone()
                if row is None:
                    page_id = db.execute(
                        "INSERT INTO pages (slug, title, kind, query, engine, kb_version, body, created, updated)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (page.slug, page.title, page.kind.value, page.query, page.engine, page.kb_version,
                         body, stamp, stamp),
                    ).lastrowid
                    version = 1
                else:
                    page_id, version = row[0], row[1] + 1
                    db.execute(
                        "INSERT INTO versions (page_id, version, engine, kb_version, body, created)"
                        " SELECT id, version, engine, kb_version, body, updated FROM pages WHERE id = ?",
                        (page_id,),
                    )
                    db.execute(
                        "UPDATE pages SET title = ?, kind = ?, query = ?, engine = ?, kb_version = ?, body = ?,"
                        " version = ?, asks = asks + 1, updated = ? WHERE id = ?",
                        (page.title, page.kind.value, page.query, page.engine, page.kb_version, body,
                         version, stamp, page_id),
                    )
                    db.execute("DELETE FROM page_concepts WHERE page_id = ?", (page_id,))
                    db.execute("DELETE FROM pages_fts WHERE rowid = ?", (page_id,))
                db.executemany(
                    "INSERT OR IGNORE INTO page_concepts (page_id, concept) VALUES (?, ?)",
                    [(page_id, c) for c in page.concepts],
                )
                db.execute(
                    "INSERT INTO pages_fts (rowid, title, query, text) VALUES (?, ?, ?, ?)",
                    (page_id, page.title, page.query, text),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot save {page.slug!r}: {exc}") from exc
        return Saved(page.slug, version, created=row is None)

    def mark_asked(self, slug: str) -> None:
        """Count one more request for a stored page (what "popular" ranks by)."""
        try:
            with self.transaction() as db:
                db.execute("UPDATE pages SET asks = asks + 1 WHERE slug = ?", (slug,))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot update {slug!r}: {exc}") from exc

    # -- reading ---------------------------------------------------------------------------------

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the library: {exc}") from exc

    def version_of(self, slug: str) -> int | None:
        """The stored version number of a page, or None; a cheap check for caches."""
        rows = self._query("SELECT version FROM pages WHERE slug = ?", (slug,))
        return rows[0][0] if rows else None

    def stamp(self, slug: str) -> tuple[int, str] | None:
        """(version of `slug`, time of the library's latest change), or None: one cheap query for caches.

        A rendered page lists related topics, so it goes stale when any page changes, not only its own.
        """
        rows = self._query("SELECT version, (SELECT max(updated) FROM pages) FROM pages WHERE slug = ?", (slug,))
        return rows[0] if rows else None

    def get_json(self, slug: str) -> str:
        """The stored page as its public JSON, exactly as saved. Raises NotFoundError."""
        rows = self._query("SELECT body FROM pages WHERE slug = ?", (slug,))
        if not rows:
            raise NotFoundError(f"no page called {slug!r} in the library")
        return rows[0][0]

    def get(self, slug: str) -> Explainer:
        """The stored page. Raises NotFoundError."""
        return Explainer.model_validate_json(self.get_json(slug))

    def record(self, slug: str) -> Record:
        """The page with its version, request count and times. Raises NotFoundError."""
        rows = self._query("SELECT body, version, asks, created, updated FROM pages WHERE slug = ?", (slug,))
        if not rows:
            raise NotFoundError(f"no page called {slug!r} in the library")
        body, version, asks, created, updated = rows[0]
        return Record(Explainer.model_validate_json(body), version, asks, created, updated)

    def versions(self, slug: str) -> list[Record]:
        """Earlier versions of a page, oldest first (the current one is `record(slug)`)."""
        rows = self._query(
            "SELECT v.body, v.version, 0, v.created, v.created FROM versions v JOIN pages p ON p.id = v.page_id"
            " WHERE p.slug = ? ORDER BY v.version",
            (slug,),
        )
        return [Record(Explainer.model_validate_json(r[0]), *r[1:]) for r in rows]

    def count(self, kind: Kind | str | None = None) -> int:
        if kind is None:
            return self._query("SELECT count(*) FROM pages")[0][0]
        return self._query("SELECT count(*) FROM pages WHERE kind = ?", (str(kind),))[0][0]

    def counts_by_kind(self) -> dict[str, int]:
        """How many pages of each kind, every kind listed (zero when none)."""
        counts = dict(self._query("SELECT kind, count(*) FROM pages GROUP BY kind"))
        return {kind.value: counts.get(kind.value, 0) for kind in Kind}

    def recent(self, limit: int = 10, *, kind: Kind | str | None = None, offset: int = 0) -> list[Summary]:
        """The latest pages, newest first; of one kind when given."""
        where, params = ("WHERE kind = ?", (str(kind),)) if kind else ("", ())
        rows = self._query(
            f"SELECT slug, title, kind FROM pages {where} ORDER BY updated DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [Summary(*r) for r in rows]

    def popular(self, limit: int = 10) -> list[Summary]:
        """The pages asked for most often."""
        rows = self._query("SELECT slug, title, kind FROM pages ORDER BY asks DESC, updated DESC LIMIT ?", (limit,))
        return [Summary(*r) for r in rows]

    def related(self, slug: str, limit: int = 6) -> list[Summary]:
        """Other pages sharing the most concepts with this one, then the most asked for.

        Per concept only the RELATED_SCAN newest pages are candidates (one index range each), so the
        cost stays flat as a library grows and a common concept comes to be shared by thousands.
        """
        rows = self._query("SELECT id FROM pages WHERE slug = ?", (slug,))
        if not rows:
            return []
        me = rows[0][0]
        shared: Counter[int] = Counter()
        for (concept,) in self._query("SELECT concept FROM page_concepts WHERE page_id = ?", (me,)):
            shared.update(row[0] for row in self._query(
                "SELECT page_id FROM page_concepts WHERE concept = ? AND page_id != ? ORDER BY page_id DESC LIMIT ?",
                (concept, me, RELATED_SCAN)))
        candidates = dict(shared.most_common(limit * 4))
        if not candidates:
            return []
        found = self._query(
            f"SELECT id, slug, title, kind, asks FROM pages WHERE id IN ({','.join('?' * len(candidates))})",
            tuple(candidates),
        )
        found.sort(key=lambda r: (-candidates[r[0]], -r[4], r[2]))
        return [Summary(r[1], r[2], r[3]) for r in found[:limit]]

    def search(self, query: str, limit: int = 20) -> list[SearchResult]:
        """Pages matching all the words (or, failing that, any word), best first by bm25.

        Titles weigh most, then the words people typed, then the prose. Snippets mark matches with
        MARK_START/MARK_END; escape the rest before showing them as HTML.
        """
        for any_term in (False, True):
            expression = match_expression(query, any_term=any_term)
            if expression is None:
                return []
            rows = self._query(
                f"""SELECT p.slug, p.title, p.kind,
                           snippet(pages_fts, 2, '{MARK_START}', '{MARK_END}', '\u2026', 24)
                    FROM pages_fts JOIN pages p ON p.id = pages_fts.rowid
                    WHERE pages_fts MATCH ? ORDER BY rank LIMIT ?""",
                (expression, limit),
            )
            if rows:
                return [SearchResult(*r) for r in rows]
        return []

    def iter_json(self) -> Iterator[str]:
        """Every stored page as its JSON line, by slug; streamed, so a large library is not held in memory."""
        try:
            for (body,) in self.db.execute("SELECT body FROM pages ORDER BY slug"):
                yield body
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the library: {exc}") from exc

    def iter_pages(self) -> Iterator[Explainer]:
        """Every stored page, by slug."""
        return map(Explainer.model_validate_json, self.iter_json())


def snippet_html(snippet: str) -> str:
    """A search snippet as safe HTML: everything escaped, matches wrapped in <mark>."""
    from html import escape

    return escape(snippet, quote=True).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
