"""parse_topic: cleaning, titles, kinds, focus and refusals."""

from __future__ import annotations

import pytest

from innermeaning.errors import TopicError
from innermeaning.models import Kind
from innermeaning.topic import clean, ensure_readable, parse_topic


@pytest.fixture(scope="module")
def parse(kb):
    def _parse(text: str):
        topic = parse_topic(text, kb.lexicon, kb.known)
        ensure_readable(topic, kb.known)
        return topic

    return _parse


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("why can't I ask for help", "Difficulty Asking for Help"),
        ("difficulty asking for help", "Difficulty Asking for Help"),
        ("I can't say no", "Difficulty Saying No"),
        ("why do I always cancel plans last minute", "Canceling Plans Last Minute"),
        ("i overthink everything", "Overthinking Everything"),
        ("what does it mean when I keep seeing 11:11", "Seeing 11:11"),
        ("fear of rejection?", "Fear of Rejection"),
        ("dreaming of water spiritual meaning", "Dreaming of Water"),
    ],
)
def test_titles_read_like_headings(parse, raw, title):
    assert parse(raw).title == title


def test_control_characters_are_stripped():
    assert clean("fear\x00 of\x1b rejection\u200b\n") == "fear of rejection"


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("my teeth crumbled in a dream", Kind.DREAM),
        ("nightmares about being chased", Kind.DREAM),
        ("seeing 333 everywhere", Kind.SIGN),
        ("jaw clenching", Kind.BODY),
        ("tightness in my chest", Kind.BODY),
        ("moving to a new city", Kind.LIFE),
        ("my boyfriend never listens", Kind.RELATIONSHIP),
        ("constantly scrolling at night", Kind.BEHAVIOR),
        ("feeling jealous of my sister's success", Kind.RELATIONSHIP),
        ("feeling anxious all the time", Kind.EMOTION),
        ("perfectionism", Kind.PATTERN),
    ],
)
def test_kind_follows_the_words(parse, raw, kind):
    assert parse(raw).kind is kind


def test_dream_focus_is_the_image(parse):
    assert parse("dream about a giraffe in my kitchen").focus == "a giraffe in your kitchen"


def test_slug_is_stable_and_safe(parse):
    topic = parse("Fear of Rejection!!")
    assert topic.slug == "fear-of-rejection"
    assert parse("  fear   of rejection ").slug == topic.slug


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("   \t ", "empty"),
        ("x" * 201, "under 200"),
        ("qwzx vbnmk plrt", "plain English"),
        ("это очень грустно", "English"),
    ],
)
def test_bad_topics_get_clear_messages(parse, raw, message):
    with pytest.raises(TopicError, match=message):
        parse(raw)
