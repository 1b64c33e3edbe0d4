"""The `innermeaning` command. Thin: parse options, call the library, print. Errors are converted once,
in `_converted`, into a one-line message and an exit code; nobody sees a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import InnerMeaningError, StoreError, TopicError

app = typer.Typer(
    name="innermeaning",
    help="Warm, grounded explainer pages for what you are going through. Offline by default.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
library_app = typer.Typer(help="Browse and export the pages kept in your library.", no_args_is_help=True)
app.add_typer(library_app, name="library")

# Words that show a multi-word topic was typed without quotes: `explain fear of rejection`.
_JOINERS = {"of", "to", "my", "a", "an", "the", "in", "on", "for", "about", "with", "at", "i", "me", "when", "and"}


class Format(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"
    JSON = "json"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _converted(command):
    """Turn Inner Meaning's errors into `error: message` on stderr and the error's exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InnerMeaningError as exc:
            _stderr(f"error: {exc.message}")
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def _settings(**flags):
    from .config import load_settings

    return load_settings(**flags)


def _topics(args: list[str]) -> list[str]:
    if args == ["-"]:
        return [line.strip() for line in sys.stdin if line.strip()]
    if len(args) > 1 and all(" " not in a for a in args) and any(a.lower() in _JOINERS for a in args):
        return [" ".join(args)]
    return args


def _save(pages, settings) -> None:
    """Keep pages in the library; a storage failure is reported but never loses the printed page."""
    if not settings.store or not pages:
        return
    from .store import Library

    try:
        with Library(settings.db_path) as library:
            for page in pages:
                library.save(page)
    except StoreError as exc:
        _stderr(f"warning: the page was not saved to your library: {exc.message}")


@app.command()
@_converted
def explain(
    topics: Annotated[list[str], typer.Argument(help="One or more topics (quote each one), or - to read one per line from stdin.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.TEXT,
    engine: Annotated[Optional[str], typer.Option(help="builtin (default, offline) or openai.")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible API root for --engine openai.")] = None,
    model: Annotated[Optional[str], typer.Option(help="Model name for --engine openai.")] = None,
    timeout: Annotated[Optional[float], typer.Option(help="Seconds to wait for each model request.")] = None,
    no_fallback: Annotated[bool, typer.Option("--no-fallback", help="Fail instead of falling back to the built-in engine.")] = False,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not keep the page in your library.")] = False,
) -> None:
    """Explain what you are going through: `innermeaning explain "difficulty asking for help"`."""
    from .pipeline import explain_many
    from .render import RENDERERS

    settings = _settings(
        engine=engine, base_url=base_url, model=model, timeout=timeout,
        fallback=False if no_fallback else None, store=False if no_store else None,
    )
    queries = _topics(topics)
    if not queries:
        raise TopicError("no topics given: pass a topic, or - with one topic per line on stdin")
    console = None
    if format is Format.TEXT and sys.stdout.isatty():
        from rich.console import Console

        console = Console(highlight=False)
    failures, saved = 0, []
    for i, (query, result) in enumerate(zip(queries, explain_many(queries, settings=settings))):
        if isinstance(result, InnerMeaningError):
            failures = max(failures, result.exit_code)
            _stderr(f"error: {query[:60]!r}: {result.message}" if len(queries) > 1 else f"error: {result.message}")
            if format is Format.JSON:
                import json

                print(json.dumps({"query": query, "error": result.message}), flush=True)
            continue
        for warning in result.warnings:
            _stderr(f"warning: {warning}")
        if i and format in (Format.TEXT, Format.MARKDOWN):
            print("\n" + "\u2500" * 60 + "\n")
        if console is not None:
            from .render.text import print_terminal

            print_terminal(result, console)
        else:
            sys.stdout.write(RENDERERS[format.value](result).rstrip("\n") + "\n")
            sys.stdout.flush()
        if not result.is_crisis:  # crisis pages are never kept or shown in the library
            saved.append(result)
    _save(saved, settings)
    if failures:
        raise typer.Exit(failures)


@app.command(name="eval")
@_converted
def evaluate(
    path: Annotated[Path, typer.Argument(help="A JSON Lines topic set: {\"q\", \"kind\", \"expect\"} or {\"q\", \"crisis\"}.")],
    format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    min_structure: Annotated[float, typer.Option(help="Minimum share of pages with the right structure.")] = 1.0,
    min_hit: Annotated[float, typer.Option(help="Minimum expected-construct hit rate.")] = 0.95,
    min_coverage: Annotated[float, typer.Option(help="Minimum mean coverage of expected constructs.")] = 0.5,
    max_boilerplate: Annotated[float, typer.Option(help="Maximum share of sentences shared by 3+ pages.")] = 0.10,
    min_crisis_recall: Annotated[float, typer.Option(help="Minimum share of crisis topics caught.")] = 1.0,
    max_false_alarms: Annotated[float, typer.Option(help="Maximum share of near misses flagged as crisis.")] = 0.05,
) -> None:
    """Measure page quality over a topic set; exit 1 when a threshold is missed."""
    from .evaluate import Thresholds, evaluate_file, print_report

    thresholds = Thresholds(
        structure=min_structure, hit=min_hit, coverage=min_coverage, boilerplate=max_boilerplate,
        crisis_recall=min_crisis_recall, false_alarms=max_false_alarms,
    )
    if format not in {"table", "json"}:
        raise TopicError("--format must be table or json")
    report = evaluate_file(path, thresholds, progress=format == "table" and sys.stderr.isatty())
    print_report(report, format)
    if not report.passed:
        raise typer.Exit(1)


@app.command()
@_converted
def config() -> None:
    """Show the settings in force and where each can be set."""
    settings = _settings()
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        shown = "(set)" if name == "api_key" and value else value
        print(f"{name} = {shown}    # {field.description} [INNERMEANING_{name.upper()}]")


def _library(settings):
    from .store import Library

    return Library(settings.db_path)


def _plain_snippet(snippet: str) -> str:
    from .store import MARK_END, MARK_START

    return snippet.replace(MARK_START, "\u00ab").replace(MARK_END, "\u00bb")


@app.command()
@_converted
def search(
    query: Annotated[list[str], typer.Argument(help="Words to look for in your library.")],
    limit: Annotated[int, typer.Option(min=1, max=100, help="Most results to show.")] = 10,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Search the pages in your library, best match first."""
    import json

    if format not in {"text", "json"}:
        raise TopicError("--format must be text or json")
    with _library(_settings()) as library:
        hits = library.search(" ".join(query), limit)
    if format == "json":
        from .store import snippet_html

        results = [{"slug": h.slug, "title": h.title, "kind": h.kind, "snippet": snippet_html(h.snippet)} for h in hits]
        print(json.dumps({"results": results}, ensure_ascii=False))
        return
    if not hits:
        _stderr("no pages match; `innermeaning explain` writes new ones")
        raise typer.Exit(1)
    for hit in hits:
        print(f"{hit.title} ({hit.kind}) \u2014 {hit.slug}\n    {_plain_snippet(hit.snippet)}")


@library_app.command("list")
@_converted
def library_list(
    kind: Annotated[Optional[str], typer.Option(help="Only pages of this kind, e.g. dream.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Most pages to list, newest first.")] = 1000,
) -> None:
    """List the pages in your library, newest first: slug, kind and title."""
    from .models import Kind

    if kind is not None and kind not in {k.value for k in Kind}:
        raise TopicError(f"unknown kind {kind!r}: choose one of {', '.join(k.value for k in Kind)}")
    with _library(_settings()) as library:
        for item in library.recent(limit, kind=kind):
            print(f"{item.slug}\t{item.kind}\t{item.title}")


@library_app.command("show")
@_converted
def library_show(
    slug: Annotated[str, typer.Argument(help="The page's slug, as `library list` prints it.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.TEXT,
) -> None:
    """Print one stored page."""
    from .render import RENDERERS

    with _library(_settings()) as library:
        page = library.get(slug)
    sys.stdout.write(RENDERERS[format.value](page).rstrip("\n") + "\n")


@library_app.command("export")
@_converted
def library_export(
    format: Annotated[str, typer.Option("--format", "-f", help="json (JSON Lines), markdown or html.")] = "json",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File for json (default: stdout); directory for markdown and html.")] = None,
) -> None:
    """Export every stored page: JSON Lines, or one Markdown or HTML file per page."""
    from .export import export_jsonl, export_pages

    if format not in {"json", "markdown", "html"}:
        raise TopicError("--format must be json, markdown or html")
    with _library(_settings()) as library:
        if format == "json":
            if output is None:
                export_jsonl(library, sys.stdout)
                return
            with output.open("w", encoding="utf-8") as handle:
                count = export_jsonl(library, handle)
        else:
            if output is None:
                raise TopicError(f"--format {format} writes one file per page: give a directory with --output")
            count = export_pages(library, output, format)
    _stderr(f"exported {count} pages to {output}")


@app.command("export")
@_converted
def export_site_command(
    site: Annotated[Path, typer.Option("--site", help="Directory to write the static website into.")],
    base_url: Annotated[Optional[str], typer.Option(help="Public address of the site, for absolute sitemap links.")] = None,
) -> None:
    """Write the library as a static website you can host as is (or open from disk)."""
    from .export import export_site

    with _library(_settings()) as library:
        report = export_site(library, site, base_url or "")
    _stderr(f"wrote {report.pages} pages ({report.files} files) to {report.directory}")
    if not base_url:
        _stderr("note: pass --base-url https://your.site/ to make sitemap.xml links absolute")


@app.command()
@_converted
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes (one per CPU core is a good start).")] = 1,
    access_log: Annotated[bool, typer.Option("--access-log", help="Log every request; off by default, as topics are private.")] = False,
) -> None:
    """Run the website and JSON API: http://127.0.0.1:8000/ by default."""
    from .web.server import run

    _settings()  # fail here, once, on a bad configuration rather than in every worker
    _stderr(f"Inner Meaning is serving on http://{host}:{port}/ (Ctrl+C to stop)")
    run(host, port, workers=workers, access_log=access_log)


def main() -> None:
    """Entry point: run the app; an unexpected failure becomes one line, not a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        _stderr("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`); nothing more to say
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the one place unexpected errors are converted
        if os.environ.get("INNERMEANING_DEBUG"):
            raise
        _stderr(f"error: unexpected failure ({type(exc).__name__}: {exc}); set INNERMEANING_DEBUG=1 for details")
        sys.exit(1)


if __name__ == "__main__":
    main()
