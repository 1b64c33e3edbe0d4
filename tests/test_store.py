"""The library: pages kept with their provenance and versions, searchable, safe under concurrent writers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading

import pytest
from typer.testing import CliRunner

from innermeaning import explain
from innermeaning.cli import app
from innermeaning.config import load_settings
from innermeaning.errors import NotFoundError, StoreError
from innermeaning.store import MARK_END, MARK_START, MIGRATIONS, Library, snippet_html

runner = CliRunner()


@pytest.fixture(scope="module")
def pages():
    """Real pages from the built-in engine, made once for the module."""
    topics = ["fear of rejection", "rejection sensitivity", "people pleasing", "dreaming of water", "perfectionism"]
    return {page.slug: page for page in (explain(t) for t in topics)}


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "library.db") as lib:
        yield lib


def test_migrations_are_named_recorded_and_run_once(tmp_path):
    path = tmp_path / "library.db"
    with Library(path) as first:
        assert first.applied_migrations() == [fn.__name__ for fn in MIGRATIONS]
    with Library(path) as again:
        assert again.migrate() == []  # nothing left to apply
        assert again.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_saved_page_comes_back_unchanged_with_its_provenance(library, pages):
    page = pages["fear-of-rejection"]
    saved = library.save(page)
    assert (saved.slug, saved.version, saved.created) == ("fear-of-rejection", 1, True)
    assert library.get("fear-of-rejection") == page
    assert library.get_json("fear-of-rejection") == page.model_dump_json()
    record = library.record("fear-of-rejection")
    assert record.page.engine == "builtin" and record.page.kb_version and record.page.concepts
    assert record.created == record.updated


def test_generating_a_topic_again_updates_its_row_and_keeps_the_earlier_version(library, pages):
    first = pages["people-pleasing"]
    library.save(first)
    second = first.model_copy(update={"intro": "A rewritten introduction.", "engine": "openai"})
    saved = library.save(second)
    assert (saved.version, saved.created) == (2, False)
    assert library.count() == 1
    assert library.get("people-pleasing").intro == "A rewritten introduction."
    [earlier] = library.versions("people-pleasing")
    assert earlier.version == 1 and earlier.page == first
    record = library.record("people-pleasing")
    assert record.version == 2 and record.updated > record.created


def test_crisis_pages_and_unsafe_slugs_are_never_stored(library):
    crisis = explain("I want to kill myself")
    assert crisis.is_crisis
    with pytest.raises(StoreError, match="crisis"):
        library.save(crisis)
    bad = explain("fear of rejection").model_copy(update={"slug": "../../etc/passwd"})
    with pytest.raises(StoreError, match="slug"):
        library.save(bad)
    assert library.count() == 0


def test_missing_pages_raise_not_found(library):
    with pytest.raises(NotFoundError, match="no page called 'nothing-here'"):
        library.get("nothing-here")


def test_search_ranks_title_matches_first_and_marks_the_words(library, pages):
    for page in pages.values():
        library.save(page)
    results = library.search("water")
    assert results[0].slug == "dreaming-of-water"
    assert f"{MARK_START}water{MARK_END}".lower() in results[0].snippet.lower()
    assert [r.slug for r in library.search("perfectionism")][0] == "perfectionism"


def test_search_takes_any_word_when_no_page_has_all_of_them(library, pages):
    for page in pages.values():
        library.save(page)
    assert library.search("water zzzunknownword")[0].slug == "dreaming-of-water"
    assert library.search("zzzunknownword") == []
    assert library.search("   ") == []


@pytest.mark.parametrize("query", ['fear" OR', "NEAR(", "title:water", "*", "a AND (b", "\"", "^water"])
def test_search_reads_operators_as_plain_words(library, pages, query):
    library.save(pages["dreaming-of-water"])
    assert isinstance(library.search(query), list)  # no FTS5 syntax error reaches the caller


def test_snippets_become_safe_html_with_only_our_marks():
    raw = f"a <script>alert(1)</script> & {MARK_START}fear{MARK_END}"
    assert snippet_html(raw) == "a &lt;script&gt;alert(1)&lt;/script&gt; &amp; <mark>fear</mark>"


def test_related_pages_share_concepts(library, pages):
    for page in pages.values():
        library.save(page)
    related = [s.slug for s in library.related("fear-of-rejection")]
    assert related and "fear-of-rejection" not in related
    assert "rejection-sensitivity" in related
    shared = set(pages["fear-of-rejection"].concepts) & set(pages[related[0]].concepts)
    assert shared
    assert library.related("not-stored") == []


def test_recent_popular_and_counts(library, pages):
    for page in pages.values():
        library.save(page)
    library.mark_asked("perfectionism")
    library.mark_asked("perfectionism")
    assert library.popular(1)[0].slug == "perfectionism"
    assert library.recent(1)[0].slug == list(pages)[-1]
    counts = library.counts_by_kind()
    assert counts["dream"] == 1 and sum(counts.values()) == len(pages) and "spiritual" in counts
    assert [s.slug for s in library.recent(10, kind="dream")] == ["dreaming-of-water"]


def test_concurrent_writers_lose_nothing(tmp_path, pages):
    path = tmp_path / "library.db"
    Library(path).close()
    template = pages["fear-of-rejection"]
    errors = []

    def writer(n: int) -> None:
        try:
            with Library(path) as lib:
                for i in range(15):
                    lib.save(template.model_copy(update={"slug": f"topic-{n}-{i}"}))
                    lib.save(template.model_copy(update={"slug": "shared-topic"}))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Library(path) as lib:
        assert lib.count() == 4 * 15 + 1
        assert lib.record("shared-topic").version == 60
        assert len(lib.versions("shared-topic")) == 59


def test_a_crash_mid_write_loses_nothing_already_stored(tmp_path, pages):
    path = tmp_path / "library.db"
    with Library(path) as lib:
        lib.save(pages["fear-of-rejection"])
    # A process that dies in the middle of a transaction, after changing rows but before COMMIT.
    script = (
        "import os, sys\n"
        "from innermeaning.store import Library\n"
        "lib = Library(sys.argv[1])\n"
        "lib.db.execute('BEGIN IMMEDIATE')\n"
        "lib.db.execute(\"UPDATE pages SET title = 'half written'\")\n"
        "lib.db.execute('DELETE FROM page_concepts')\n"
        "os._exit(9)\n"
    )
    assert subprocess.run([sys.executable, "-c", script, str(path)]).returncode == 9
    with Library(path) as lib:
        assert lib.get("fear-of-rejection") == pages["fear-of-rejection"]
        assert lib.record("fear-of-rejection").page.title == "Fear of Rejection"
        assert lib.related("fear-of-rejection") == [] and lib.db.execute("SELECT count(*) FROM page_concepts").fetchone()[0]


def test_a_failed_save_rolls_back(library, pages, monkeypatch):
    library.save(pages["fear-of-rejection"])
    monkeypatch.setattr("innermeaning.store.searchable_text", lambda page: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        library.save(pages["people-pleasing"])
    assert library.count() == 1


def test_an_unusable_path_is_a_store_error(tmp_path):
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError, match="cannot open the library"):
        Library(tmp_path / "dir.db")


# -- the CLI ---------------------------------------------------------------------------------------


def test_explain_keeps_pages_and_the_library_commands_show_them():
    assert runner.invoke(app, ["explain", "fear of rejection"]).exit_code == 0
    assert runner.invoke(app, ["explain", "I want to kill myself"]).exit_code == 0
    listed = runner.invoke(app, ["library", "list"])
    assert listed.exit_code == 0
    assert listed.stdout.strip().split("\t") == ["fear-of-rejection", "emotion", "Fear of Rejection"]
    shown = runner.invoke(app, ["library", "show", "fear-of-rejection", "--format", "json"])
    assert json.loads(shown.stdout)["title"] == "Fear of Rejection"
    markdown = runner.invoke(app, ["library", "show", "fear-of-rejection", "-f", "markdown"])
    assert markdown.stdout.startswith("# Fear of Rejection")
    with Library(load_settings().db_path) as lib:
        assert lib.count() == 1  # the crisis page was not kept


def test_search_command_prints_matches_and_fails_when_none():
    runner.invoke(app, ["explain", "dreaming of water"])
    found = runner.invoke(app, ["search", "water"])
    assert found.exit_code == 0 and "Dreaming of Water (dream)" in found.stdout and "\u00abwater\u00bb" in found.stdout.lower()
    as_json = json.loads(runner.invoke(app, ["search", "water", "--format", "json"]).stdout)
    assert as_json["results"][0]["slug"] == "dreaming-of-water" and "<mark>" in as_json["results"][0]["snippet"]
    missing = runner.invoke(app, ["search", "zzzunknownword"])
    assert missing.exit_code == 1


def test_library_show_of_a_missing_page_is_one_line_error():
    result = runner.invoke(app, ["library", "show", "no-such-page"])
    assert result.exit_code == 1
    assert "error: no page called 'no-such-page'" in result.stderr
    assert "Traceback" not in result.output


def test_library_db_is_under_innermeaning_home(home):
    runner.invoke(app, ["explain", "perfectionism"])
    assert (home / "library.db").is_file()
    with sqlite3.connect(home / "library.db") as db:
        assert db.execute("SELECT slug FROM pages").fetchall() == [("perfectionism",)]
