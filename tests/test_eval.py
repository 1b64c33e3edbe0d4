"""`innermeaning eval`: the quality report and its thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from innermeaning.cli import app

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"
runner = CliRunner()


def _set(tmp_path: Path) -> Path:
    rows = [
        {"q": "fear of rejection", "kind": "emotion", "expect": ["rejection sensitiv", "attachment"]},
        {"q": "dreaming of fire", "kind": "dream", "expect": ["transform|renew", "anger|passion"]},
        {"q": "jaw clenching", "kind": "body", "expect": ["bruxism|clench", "stress"]},
        {"q": "I want to end it all", "crisis": True},
        {"q": "killing it at work", "crisis": False},
    ]
    path = tmp_path / "topics.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_report_in_json(tmp_path):
    result = runner.invoke(app, ["eval", str(_set(tmp_path)), "--format", "json"])
    report = json.loads(result.stdout)
    assert report["topics"] == 5
    assert report["crisis_recall"] == 1.0 and report["false_alarms"] == 0.0
    assert report["structure"] == 1.0 and report["hit"] == 1.0
    assert result.exit_code == 0


def test_missed_threshold_exits_1(tmp_path):
    result = runner.invoke(app, ["eval", str(_set(tmp_path)), "--min-coverage", "1.01"])
    assert result.exit_code == 1 and "FAIL" in result.stdout


def test_bad_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json}\n")
    result = runner.invoke(app, ["eval", str(bad)])
    assert result.exit_code == 2 and "not valid JSON" in result.stderr


@pytest.mark.parametrize("name", ["dev_topics.jsonl", "dev_crisis.jsonl"])
def test_dev_sets_meet_the_targets(name):
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is not beside this checkout")
    result = runner.invoke(app, ["eval", str(path), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, report["failures"][:10]


@pytest.mark.parametrize("name", ["holdout_topics.jsonl", "holdout_crisis.jsonl", "holdout_crisis_2.jsonl",
                                  "holdout_crisis_3.jsonl", "holdout_crisis_4.jsonl"])
def test_held_out_sets_meet_the_targets(name):
    """Topic sets written without sight of the knowledge base: the targets hold beyond the dev sample."""
    path = Path(__file__).parent / "data" / name
    result = runner.invoke(app, ["eval", str(path), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, report["failures"][:10]
