"""README.md's Python blocks run as pasted, from the repository's top folder."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def test_the_readme_has_python_blocks() -> None:
    """The check below is not vacuous."""
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_a_readme_block_runs(block: str, tmp_path: Path) -> None:
    """Each block runs without error in a fresh folder holding the examples."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    done = subprocess.run(
        [sys.executable, "-c", block],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (0, "") == (done.returncode, done.stderr)


def _documents() -> list[Path]:
    """What a reader of the repository reads: the README, the project file, the
    package's, examples', benchmarks' and tests' Python."""
    found = [ROOT / "README.md", ROOT / "pyproject.toml"]
    for folder in ("nudge_sdk", "examples", "benchmarks", "tests"):
        found += sorted((ROOT / folder).rglob("*.py"))
    return [path for path in found if "node_modules" not in path.parts]


def test_the_repository_cites_only_files_it_has() -> None:
    """Every Markdown file a document names is in the repository."""
    cited = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in _documents()
        for name in re.findall(r"[\w./-]*\b[A-Z]\w*\.md\b", path.read_text(encoding="utf-8"))
        if not (ROOT / name).exists() and not (path.parent / name).exists()
    }
    assert set() == cited


def test_the_readme_cites_no_issue_threads() -> None:
    """The README speaks for itself: no "see issue 3" pointing outside the repository."""
    readme = (ROOT / "README.md").read_text()
    assert [] == re.findall(r"\bissues? (?:#?\d+)", readme)
