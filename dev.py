#!/usr/bin/env python3
"""Set up and run Inner Meaning with nothing but Python 3.11+.

    python3 dev.py explain "difficulty asking for help"   # set up .venv if needed, then run the CLI
    python3 dev.py test [PYTEST ARGS]                      # set up .venv with test tools, run every test

Any other arguments are passed to the `innermeaning` CLI. Setup is skipped when .venv is already
up to date with pyproject.toml, so both commands are fast after the first run.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".innermeaning-setup"


def _say(message: str) -> None:
    print(f"[dev] {message}", file=sys.stderr, flush=True)


def _key(extras: str) -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()


def setup(with_tests: bool) -> None:
    """Create .venv when missing and install the project into it (editable) when pyproject changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"Inner Meaning needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    extras = ".[test]" if with_tests else "."
    done = set(STAMP.read_text().split()) if STAMP.exists() else set()
    # A test install also serves the plain CLI; either is stale once pyproject.toml changes.
    if done & ({_key(".[test]")} if with_tests else {_key("."), _key(".[test]")}):
        return
    if not (BIN / "python").exists():
        _say("creating .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    _say(f"installing {extras} into .venv (first run only)")
    subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-e", extras], cwd=ROOT, check=True)
    STAMP.write_text(" ".join(sorted(done | {_key(extras)})))


def main(argv: list[str]) -> int:
    if argv[:1] == ["test"]:
        setup(with_tests=True)
        return subprocess.run([str(BIN / "python"), "-m", "pytest", *argv[1:]], cwd=ROOT).returncode
    setup(with_tests=False)
    return subprocess.run([str(BIN / "innermeaning"), *argv]).returncode


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(f"[dev] setup failed: {' '.join(map(str, exc.cmd))} exited with {exc.returncode}")
    except KeyboardInterrupt:
        sys.exit(130)
