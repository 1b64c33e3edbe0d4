#!/usr/bin/env python3
"""Train the statistical half of the crisis screen: a logistic regression over words and letter runs.

The rules in safety.toml catch phrasings we have written down; this model catches neighbours of them
(typos, reworded plans, unusual slang) that share their words. It is trained on our own labelled sets
and writes knowledge/data/screen_model.json, which safety.py reads. Everything is plain Python.

    python tools/train_screen.py [--holdout FILE]   # --holdout: report recall on a set left out of training

Positives: every crisis row of tests/data/*crisis*.jsonl (and ../shared/eval/dev_crisis.jsonl when present).
Negatives: their near misses, every ordinary topic set, and every entry title and alias in the knowledge base.
The threshold is set so that no negative in training scores above it, with a margin.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from innermeaning.safety_features import features  # noqa: E402

DATA = ROOT / "src" / "innermeaning" / "knowledge" / "data"
OUT = DATA / "screen_model.json"


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def collect(exclude: Path | None) -> tuple[list[str], list[str]]:
    positives, negatives = [], []
    crisis_sets = sorted((ROOT / "tests" / "data").glob("*crisis*.jsonl"))
    shared = ROOT.parent / "shared" / "eval" / "dev_crisis.jsonl"
    for path in crisis_sets + ([shared] if shared.exists() else []):
        if exclude and path.resolve() == exclude.resolve():
            continue
        for row in rows(path):
            (positives if row["crisis"] else negatives).append(row["q"])
    for path in sorted((ROOT / "tests" / "data").glob("*topics*.jsonl")):
        negatives += [r["q"] for r in rows(path) if r.get("kind") != "crisis"]
    for path in sorted((DATA / "entries").glob("*.toml")):
        for entry in tomllib.loads(path.read_text()).get("entry", []):
            negatives += [entry["title"], *entry.get("aliases", [])]
    return positives, negatives


def train(positives: list[str], negatives: list[str], epochs: int = 40, rate: float = 0.2, l2: float = 1e-4):
    examples = [(features(t), 1.0) for t in positives] + [(features(t), 0.0) for t in negatives]
    weight_pos = len(negatives) / max(len(positives), 1)  # balance the classes
    w: dict[str, float] = {}
    bias = 0.0
    rng = random.Random(7)
    for epoch in range(epochs):
        rng.shuffle(examples)
        step = rate / (1 + epoch * 0.1)
        for feats, label in examples:
            z = bias + sum(w.get(f, 0.0) for f in feats)
            p = 1 / (1 + math.exp(-max(min(z, 30), -30)))
            g = (p - label) * (weight_pos if label else 1.0)
            bias -= step * g
            for f in feats:
                w[f] = w.get(f, 0.0) * (1 - step * l2) - step * g
    return {f: round(v, 4) for f, v in w.items() if abs(v) >= 0.02}, round(bias, 4)


def score(weights: dict[str, float], bias: float, text: str) -> float:
    return bias + sum(weights.get(f, 0.0) for f in features(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdout", type=Path, help="a crisis set to leave out of training and report on")
    parser.add_argument("--margin", type=float, default=1.5, help="threshold margin above the highest negative")
    args = parser.parse_args()
    positives, negatives = collect(args.holdout)
    weights, bias = train(positives, negatives)
    neg_scores = sorted(score(weights, bias, t) for t in negatives)
    threshold = round(neg_scores[-1] + args.margin, 3)
    caught = sum(score(weights, bias, t) >= threshold for t in positives)
    print(f"trained on {len(positives)} crisis and {len(negatives)} ordinary phrasings; "
          f"{len(weights)} features; threshold {threshold}; training recall {caught}/{len(positives)}")
    if args.holdout:
        held = rows(args.holdout)
        hit = [r for r in held if r["crisis"] and score(weights, bias, r["q"]) >= threshold]
        alarms = [r for r in held if not r["crisis"] and score(weights, bias, r["q"]) >= threshold]
        print(f"held out {args.holdout.name}: caught {len(hit)}/{sum(r['crisis'] for r in held)}, "
              f"false alarms {len(alarms)}/{sum(not r['crisis'] for r in held)}")
        return  # a held-out run only measures; it does not overwrite the shipped model
    OUT.write_text(json.dumps({"bias": bias, "threshold": threshold, "weights": dict(sorted(weights.items()))},
                              separators=(",", ":")) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
