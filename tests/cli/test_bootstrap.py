"""``scripts/bootstrap`` (which ``scripts/demo`` runs first) installs only when pyproject.toml
changed since the last install, so that a complete .venv starts the demo with the package index
unreachable; an install shows pip's progress. A stand-in .venv/bin/python records what it is
asked to do."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAMP = Path(".venv/.installed-pyproject-sha256")
RECORDING_PYTHON = '#!/bin/sh\necho "$@" >> "$(dirname "$0")/../calls.log"\n'


def _checkout(tmp_path: Path) -> Path:
    """A copy of the scripts and pyproject.toml, with a stand-in .venv."""
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(RECORDING_PYTHON)
    python.chmod(0o755)
    return tmp_path


def _bootstrap(checkout: Path) -> subprocess.CompletedProcess[str]:
    # An unreachable index: a run that needed it would fail.
    offline = {**os.environ, "PYTHON": sys.executable, "PIP_INDEX_URL": "http://127.0.0.1:9/"}
    return subprocess.run(
        [str(checkout / "scripts" / "bootstrap")],
        capture_output=True,
        text=True,
        env=offline,
        timeout=60,
        check=False,
    )


def _calls(checkout: Path) -> list[str]:
    log = checkout / ".venv" / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_an_unchanged_pyproject_installs_nothing_and_needs_no_index(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    digest = hashlib.sha256((checkout / "pyproject.toml").read_bytes()).hexdigest()
    (checkout / STAMP).write_text(f"{digest}\n")
    for _ in range(2):
        finished = _bootstrap(checkout)
        assert (finished.returncode, finished.stdout) == (
            0,
            "Sidelines is installed in .venv and pyproject.toml is unchanged: nothing to "
            "install.\n",
        )
    assert _calls(checkout) == []


def test_a_changed_pyproject_installs_with_progress_then_is_remembered(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    (checkout / STAMP).write_text("the hash of an older pyproject.toml\n")
    finished = _bootstrap(checkout)
    assert finished.returncode == 0
    assert "Installing Sidelines and its dependencies" in finished.stdout
    assert _calls(checkout) == [
        "-m pip install --quiet --disable-pip-version-check --upgrade pip",
        "-m pip install --disable-pip-version-check --progress-bar on -e .[dev]",
    ]
    digest = hashlib.sha256((checkout / "pyproject.toml").read_bytes()).hexdigest()
    assert (checkout / STAMP).read_text() == f"{digest}\n"
    again = _bootstrap(checkout)
    assert "nothing to install" in again.stdout
    assert len(_calls(checkout)) == 2
