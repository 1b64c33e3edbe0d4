"""The `innermeaning` command as a user runs it: formats, stdin, errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from innermeaning.cli import app

runner = CliRunner()


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_text_looks_like_the_reference_page():
    result = run("explain", "difficulty asking for help", "--no-store")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:2] == ["Inner Meaning \u00b7 Explainer", "Difficulty Asking for Help"]
    for heading in ("Core Meaning", "Spiritual Perspective", "Psychological Perspective", "Possible Causes", "Gentle Advice"):
        assert heading in lines
    assert sum(line.startswith("- ") for line in lines) >= 4


def test_json_has_the_public_shape():
    result = run("explain", "lump in my throat", "--format", "json", "--no-store")
    page = json.loads(result.stdout)
    for key in ("title", "query", "kind", "intro", "core_meaning", "spiritual_perspective", "psychological_perspective",
                "possible_causes", "gentle_advice", "safety", "concepts", "engine"):
        assert key in page
    assert page["safety"]["level"] == "medical"
    assert isinstance(page["possible_causes"], list) and page["engine"] == "builtin"


def test_stdin_topics_one_json_line_each_and_bad_ones_reported():
    result = run("explain", "-", "--format", "json", "--no-store", stdin="fear of rejection\n\n" + "x" * 300 + "\ndreaming of water\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("query") for line in lines] == ["fear of rejection", "x" * 300, "dreaming of water"]
    assert "error" in lines[1] and "200" in lines[1]["error"]
    assert result.exit_code != 0
    assert "error:" in result.stderr


def test_unquoted_phrase_is_one_topic():
    result = run("explain", "fear", "of", "rejection", "--format", "json", "--no-store")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1
    assert json.loads(result.stdout)["title"] == "Fear of Rejection"


def test_html_is_self_contained_and_escaped():
    result = run("explain", "<script>alert(1)</script> fear of rejection", "--format", "html", "--no-store")
    assert result.exit_code == 0
    html = result.stdout
    assert html.startswith("<!doctype html>") and "<style>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_markdown_has_headings():
    result = run("explain", "dreaming of water", "--format", "markdown", "--no-store")
    assert result.stdout.startswith("# Dreaming of Water")
    assert "## Gentle Advice" in result.stdout


@pytest.mark.parametrize(("topic", "needle"), [("", "empty"), ("a" * 201, "200"), ("\x00\x01", "empty")])
def test_bad_input_is_one_line_and_non_zero(topic, needle):
    result = run("explain", topic, "--no-store")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and needle in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_crisis_topic_shows_resources_not_meaning():
    result = run("explain", "i want to unalive myself", "--no-store")
    assert result.exit_code == 0
    assert "988" in result.stdout and "Core Meaning" not in result.stdout


def test_bad_engine_setting_is_a_clear_error():
    result = run("explain", "fear of rejection", "--engine", "nonsense", "--no-store")
    assert result.exit_code == 2 and "engine" in result.stderr


def test_real_process_starts_and_exits_cleanly(tmp_path):
    done = subprocess.run([sys.executable, "-m", "innermeaning.cli", "explain", ""], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith("error: the topic is empty")
