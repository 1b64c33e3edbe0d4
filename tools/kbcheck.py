#!/usr/bin/env python3
"""Check knowledge-base files against the rules in knowledge/data/SCHEMA.md.

Usage: python tools/kbcheck.py [FILE ...]   (no files: the whole knowledge base)

Ids are checked against every record in the knowledge base, plus the planning catalogue
given by INNERMEANING_KB_CATALOGUE when set. Prints one line per problem; exit 1 if any.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "innermeaning" / "knowledge" / "data"
KINDS = {"pattern", "emotion", "behavior", "relationship", "dream", "sign", "body", "life", "spiritual"}
SCHEMA_TEXT = (DATA / "SCHEMA.md").read_text()
THEMES = set(SCHEMA_TEXT.split("## Themes", 1)[1].replace("`", " ").split())
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SECTIONS = {"construct": "constructs", "lens": "lenses", "practice": "practices", "entry": "entries"}

# field -> (min items, max items, min words per item, max words per item); None = not a list
LIST_RULES = {
    "construct": {"keywords": (3, 20, 1, 4), "themes": (1, 6, 1, 1), "definitions": (2, 4, 8, 45),
                  "shows_up": (3, 6, 8, 45), "causes": (2, 6, 2, 20), "references": (1, 4, 1, 12),
                  "practices": (1, 4, 1, 1)},
    "lens": {"keywords": (2, 20, 1, 4), "themes": (1, 6, 1, 1), "views": (4, 6, 8, 50),
             "invitations": (2, 4, 6, 45)},
    "practice": {"keywords": (2, 20, 1, 4), "themes": (1, 6, 1, 1), "steps": (3, 5, 8, 50)},
    "entry": {"aliases": (3, 16, 1, 12), "keywords": (2, 12, 1, 4), "themes": (1, 6, 1, 1),
              "constructs": (3, 6, 1, 1), "lenses": (1, 3, 1, 1), "practices": (1, 4, 1, 1),
              "intro": (2, 4, 6, 45), "core": (2, 4, 8, 50), "spiritual": (2, 4, 8, 50),
              "causes": (4, 7, 3, 24), "advice": (2, 4, 8, 50)},
}
TOTAL_WORDS = {"intro": (40, 110), "core": (50, 130), "spiritual": (40, 120), "advice": (45, 120)}
REQUIRED = {
    "construct": ["id", "name", "gloss", "aliases"], "lens": ["id", "name", "tradition"],
    "practice": ["id", "name"], "entry": ["id", "title", "kind", "links"],
}
ARTIFACTS = re.compile(r"[{}<>\u201c\u201d\u2018\u2019]|  |\bNone\b|\b(\w+) \1\b", re.IGNORECASE)


def words(text: str) -> int:
    return len(text.split())


def catalogue_ids() -> set[str]:
    path = os.environ.get("INNERMEANING_KB_CATALOGUE")
    if not path or not Path(path).exists():
        return set()
    return set(re.findall(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b|\b[a-z]+\b", Path(path).read_text()))


def load(path: Path) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def check_text(where: str, text: str) -> list[str]:
    match = ARTIFACTS.search(text)
    return [f"{where}: artifact {match.group(0)!r} in {text[:60]!r}"] if match else []


def check_record(section: str, rec: dict, where: str) -> list[str]:
    problems = [f"{where}: missing {f}" for f in REQUIRED[section] if f not in rec]
    rid = rec.get("id", "?")
    if not ID_RE.match(str(rid)):
        problems.append(f"{where}: bad id {rid!r}")
    for field, (lo, hi, wlo, whi) in LIST_RULES[section].items():
        items = rec.get(field)
        if items is None:
            problems.append(f"{where}: missing {field}")
            continue
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            problems.append(f"{where}: {field} must be a list of strings")
            continue
        if not lo <= len(items) <= hi:
            problems.append(f"{where}: {field} has {len(items)} items, want {lo}-{hi}")
        for item in items:
            if not wlo <= words(item) <= whi:
                problems.append(f"{where}: {field} item of {words(item)} words, want {wlo}-{whi}: {item[:50]!r}")
            problems += check_text(f"{where}.{field}", item)
        if section == "entry" and field in TOTAL_WORDS:
            total, (tlo, thi) = sum(map(words, items)), TOTAL_WORDS[field]
            if not tlo <= total <= thi:
                problems.append(f"{where}: {field} totals {total} words, want {tlo}-{thi}")
    for field in ("themes",):
        for theme in rec.get(field, []):
            if theme not in THEMES:
                problems.append(f"{where}: unknown theme {theme!r}")
    if section == "construct":
        gloss = rec.get("gloss", "")
        if not 6 <= words(gloss) <= 24 or gloss.endswith("."):
            problems.append(f"{where}: gloss should be 6-24 words with no final period")
    if section == "entry":
        if rec.get("kind") not in KINDS:
            problems.append(f"{where}: bad kind {rec.get('kind')!r}")
        links = rec.get("links", {})
        if not isinstance(links, dict) or not 1 <= len(links) <= 5:
            problems.append(f"{where}: links must be a table of 1-5 construct links")
        for cid, link in dict(links).items():
            if cid not in rec.get("constructs", []):
                problems.append(f"{where}: link {cid!r} is not among its constructs")
            if not 5 <= words(link) <= 30 or link.endswith("."):
                problems.append(f"{where}: link {cid!r} should be 5-30 words with no final period")
            problems += check_text(f"{where}.links", link)
        if rec.get("kind") == "body" and not rec.get("medical"):
            problems.append(f"{where}: body entries need a medical note")
    return problems


def main(argv: list[str]) -> int:
    all_files = sorted(DATA.glob("*/*.toml"))
    targets = [Path(a).resolve() for a in argv] or all_files
    known: dict[str, set[str]] = {s: set() for s in SECTIONS}
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in all_files + [t for t in targets if t not in all_files]:
        try:
            data = load(path)
        except tomllib.TOMLDecodeError as exc:
            if path in targets:
                problems.append(f"{path.name}: TOML error: {exc}")
            continue
        for section in SECTIONS:
            for rec in data.get(section, []):
                rid = rec.get("id", "?")
                known[section].add(rid)
                if path in targets and rid in seen and seen[rid] != path.name:
                    problems.append(f"{path.name}: id {rid!r} also in {seen[rid]}")
                seen.setdefault(rid, path.name)
    extra = catalogue_ids()
    for path in targets:
        try:
            data = load(path)
        except tomllib.TOMLDecodeError:
            continue
        for section in SECTIONS:
            for i, rec in enumerate(data.get(section, [])):
                where = f"{path.name}:{section}[{i}] {rec.get('id', '?')}"
                problems += check_record(section, rec, where)
                refs = {"constructs": "construct", "lenses": "lens", "practices": "practice"}
                for field, ref_section in refs.items():
                    if section != "entry" and not (section == "construct" and field == "practices"):
                        continue
                    for ref in rec.get(field, []):
                        if ref not in known[ref_section] and ref not in extra:
                            problems.append(f"{where}: unknown {ref_section} id {ref!r}")
    for line in problems:
        print(line)
    print(f"{len(problems)} problem(s) in {len(targets)} file(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
