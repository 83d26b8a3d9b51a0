"""Static checks on the engine and tests: undefined or unused names, syntax errors and the
bug-prone patterns ruff's B rules find (configured in pyproject.toml)."""
import shutil
import subprocess
import sys
from pathlib import Path

from ctip import paths


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is pinned in requirements.txt"
    res = subprocess.run([ruff, "check", "ctip", "tests", "benchmarks", "--output-format", "concise"],
                         cwd=paths.ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
