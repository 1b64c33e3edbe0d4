"""The knowledge base: big enough, consistent, and reachable from unseen phrasings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from innermeaning.knowledge import match_topic
from innermeaning.models import Kind
from innermeaning.topic import parse_topic

ROOT = Path(__file__).resolve().parents[1]


def test_knowledge_base_is_broad(kb):
    assert len(kb.constructs) >= 80
    assert len(kb.lenses) >= 30
    assert len(kb.entries) >= 300
    assert {e.kind for e in kb.entries.values()} == set(Kind)


def test_every_reference_between_records_resolves(kb):
    for entry in kb.entries.values():
        assert entry.constructs and entry.lenses and entry.practices, entry.id
        assert set(entry.links) <= set(entry.constructs), entry.id
    for construct in kb.constructs.values():
        assert set(construct.practices) <= set(kb.practices), construct.id


def test_ids_are_unique_across_record_kinds(kb):
    sections = [kb.constructs, kb.lenses, kb.practices, kb.entries]
    seen: dict[str, int] = {}
    for i, records in enumerate(sections):
        for rid in records:
            assert seen.setdefault(rid, i) == i, f"{rid} is used by two kinds of record"


def test_kbcheck_reports_no_problems():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "kbcheck.py")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.parametrize(
    ("phrase", "entry_words"),
    [
        ("why do i always cancel plans at the last minute", "cancel"),
        ("my teeth crumbled in a dream", "teeth"),
        ("I procrastinate on everything", "procrastination"),
        ("can't stop checking my phone", "phone"),
        ("keep seeing 444", "444"),
        ("my kids moved out and the house is quiet", "empty nest"),
    ],
)
def test_unseen_phrasings_reach_the_right_entry(kb, phrase, entry_words):
    topic = parse_topic(phrase, kb.lexicon, kb.known)
    match = match_topic(topic, kb)
    assert match.entry is not None, phrase
    assert entry_words in (match.entry.title + " " + " ".join(match.entry.aliases)).lower()


def test_typos_are_forgiven(kb):
    topic = parse_topic("procrastinaton", kb.lexicon, kb.known)
    assert match_topic(topic, kb).entry is not None
