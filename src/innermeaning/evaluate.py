"""`innermeaning eval`: measure page quality over a topic set, against thresholds.

A topic set is JSON Lines. Topic rows: {"q", "kind", "expect": [regex, ...]}; crisis rows:
{"q", "crisis": true|false} (or "kind": "crisis"). Measured:

- structure: share of pages whose shape, proportions and text pass validate.check_shape;
- hit: share of topics with at least one `expect` pattern in Core Meaning, Psychological Perspective
  or the causes; coverage: mean share of a topic's patterns found anywhere on its page;
- boilerplate: share of sentences that appear on 3 or more pages once each topic's own words are masked;
- readability: mean Flesch-Kincaid grade; kind agreement; crisis recall and near-miss false alarms;
- time per page (median and 95th percentile, in milliseconds).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .config import load_settings
from .errors import ConfigError, InnerMeaningError, TopicError
from .knowledge.lexicon import tokenize
from .models import Explainer, SafetyLevel, Sections
from .pipeline import explain
from .validate import check_shape

SHARED_BY = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)\s+(?=[A-Z\"'])")


@dataclass(frozen=True)
class Thresholds:
    structure: float = 1.0
    hit: float = 0.95
    coverage: float = 0.5
    boilerplate: float = 0.10
    crisis_recall: float = 1.0
    false_alarms: float = 0.05


@dataclass
class Report:
    topics: int = 0
    structure: float = 0.0
    hit: float = 0.0
    coverage: float = 0.0
    boilerplate: float = 0.0
    readability: float = 0.0
    kind_agreement: float = 0.0
    crisis_rows: int = 0
    crisis_recall: float = 1.0
    near_misses: int = 0
    false_alarms: float = 0.0
    ms_median: float = 0.0
    ms_p95: float = 0.0
    errors: int = 0
    failures: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    passed: bool = True


def read_rows(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read topic set {path}: {exc.strerror or exc}") from exc
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("q"), str):
            raise ConfigError(f"{path}:{number}: each line needs a \"q\" string")
        rows.append(row)
    if not rows:
        raise ConfigError(f"topic set {path} has no rows")
    return rows


def sentences(page: Explainer) -> list[str]:
    """Every sentence of the page's sections, causes counted as sentences."""
    out = []
    for text in (page.intro, page.core_meaning, page.spiritual_perspective, page.psychological_perspective, page.gentle_advice):
        out += [s for s in _SENTENCE_END.split(text) if s.strip()]
    return out + list(page.possible_causes)


def masked(sentence: str, own_words: set[str]) -> str:
    """The sentence with the topic's own words blanked, so pasting the topic in does not make it new."""
    return " ".join("_" if t in own_words else t for t in tokenize(sentence))


def boilerplate_ratio(pages: list[Explainer]) -> tuple[float, list[str]]:
    """Share of sentences found on SHARED_BY or more pages; and the most shared ones."""
    per_page = []
    for page in pages:
        own = set(tokenize(page.query)) | set(tokenize(page.title))
        per_page.append([masked(s, own) for s in sentences(page)])
    counts = Counter(key for keys in per_page for key in set(keys))
    total = sum(len(keys) for keys in per_page)
    shared = sum(1 for keys in per_page for key in keys if counts[key] >= SHARED_BY)
    common = [f"{n}x {key[:90]}" for key, n in counts.most_common(5) if n >= SHARED_BY]
    return (shared / total if total else 0.0), common


def _readability(pages: list[Explainer]) -> float:
    import textstat  # pinned to 0.7.8: later versions fetch NLTK data at run time

    grades = [textstat.flesch_kincaid_grade(" ".join(sentences(p))) for p in pages]
    return statistics.fmean(grades) if grades else 0.0


def _found(patterns: list[str], text: str) -> list[bool]:
    return [re.search(p, text, re.IGNORECASE) is not None for p in patterns]


def evaluate_rows(rows: list[dict], thresholds: Thresholds = Thresholds(), progress: bool = False) -> Report:
    settings = load_settings(store=False)
    report = Report(topics=len(rows))
    pages: list[Explainer] = []
    timings, structure_ok, hits, coverages, kinds = [], [], [], [], []
    crisis_caught, near_flagged = [], []
    bar = _progress(len(rows)) if progress else None
    for row in rows:
        query = row["q"]
        started = time.perf_counter()
        try:
            page = explain(query, settings=settings)
        except InnerMeaningError as exc:
            page = None
            # Refusing an off-topic near miss ("killer sudoku tips") is right; any other refusal is an error.
            if not (isinstance(exc, TopicError) and row.get("crisis") is False):
                report.errors += 1
                report.failures.append(f"{query!r}: error: {exc.message}")
        timings.append((time.perf_counter() - started) * 1000)
        if bar:
            bar.advance(bar.task_ids[0])
        expect_crisis = row.get("crisis") is True or row.get("kind") == "crisis"
        flagged = page is not None and page.safety.level is SafetyLevel.CRISIS
        if expect_crisis:
            crisis_caught.append(flagged)
            if not flagged:
                report.missed.append(query)
            continue
        if "crisis" in row:
            near_flagged.append(flagged)
        if flagged:
            report.failures.append(f"{query!r}: flagged as crisis")
        if page is None or flagged or "expect" not in row:
            continue
        pages.append(page)
        problems = check_shape(Sections(**page.model_dump(include=set(Sections.model_fields))))
        structure_ok.append(not problems)
        report.failures += [f"{query!r}: {p}" for p in problems]
        region = " ".join([page.core_meaning, page.psychological_perspective, *page.possible_causes])
        whole = " ".join([page.intro, page.core_meaning, page.spiritual_perspective, page.psychological_perspective,
                          *page.possible_causes, page.gentle_advice])
        patterns = row.get("expect") or []
        if patterns:
            hits.append(any(_found(patterns, region)))
            coverages.append(statistics.fmean(_found(patterns, whole)))
            if not hits[-1]:
                report.failures.append(f"{query!r}: no expected construct found ({patterns})")
        if row.get("kind"):
            kinds.append(page.kind.value == row["kind"])
            if not kinds[-1]:
                report.failures.append(f"{query!r}: kind {page.kind.value}, expected {row['kind']}")
    if bar:
        bar.stop()
    mean = lambda values, empty=1.0: statistics.fmean(values) if values else empty  # noqa: E731
    report.structure = mean(structure_ok)
    report.hit, report.coverage = mean(hits), mean(coverages)
    report.boilerplate, common = boilerplate_ratio(pages)
    report.failures += [f"shared sentence: {line}" for line in common]
    report.readability = _readability(pages)
    report.kind_agreement = mean(kinds)
    report.crisis_rows, report.crisis_recall = len(crisis_caught), mean(crisis_caught)
    report.near_misses, report.false_alarms = len(near_flagged), mean(near_flagged, 0.0)
    report.ms_median = statistics.median(timings)
    report.ms_p95 = sorted(timings)[max(0, int(len(timings) * 0.95) - 1)]
    report.passed = (
        report.structure >= thresholds.structure and report.hit >= thresholds.hit
        and report.coverage >= thresholds.coverage and report.boilerplate <= thresholds.boilerplate
        and report.crisis_recall >= thresholds.crisis_recall and report.false_alarms <= thresholds.false_alarms
        and report.errors == 0
    )
    return report


def evaluate_file(path: Path, thresholds: Thresholds = Thresholds(), progress: bool = False) -> Report:
    return evaluate_rows(read_rows(path), thresholds, progress)


def _progress(total: int):
    from rich.progress import Progress

    bar = Progress(transient=True)
    bar.add_task("explaining", total=total)
    bar.start()
    return bar


def print_report(report: Report, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(asdict(report)))
        return
    rows = [
        ("topics", f"{report.topics}"),
        ("structure", f"{report.structure:.1%}"),
        ("expected-construct hit", f"{report.hit:.1%}"),
        ("mean coverage", f"{report.coverage:.2f}"),
        ("boilerplate ratio", f"{report.boilerplate:.1%}"),
        ("readability (FK grade)", f"{report.readability:.1f}"),
        ("kind agreement", f"{report.kind_agreement:.1%}"),
        ("crisis recall", f"{report.crisis_recall:.1%} of {report.crisis_rows}"),
        ("near-miss false alarms", f"{report.false_alarms:.1%} of {report.near_misses}"),
        ("time per page", f"{report.ms_median:.2f} ms median, {report.ms_p95:.2f} ms p95"),
        ("errors", f"{report.errors}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for line in report.failures[:40]:
        print(f"  - {line}")
    for query in report.missed:
        print(f"  ! missed crisis: {query!r}")
    print("PASS" if report.passed else "FAIL")
