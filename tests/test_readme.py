"""The README's examples are run, so the docs cannot go stale.

Every ```python block is executed in order in one namespace, and every `$ privacy-assistant`
line of a ```console block is run as a real process; both use the hashing embedder and a
temporary data directory, so they check the documented API and commands, not model quality.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK_RE = re.compile(r"```(python|console)\n(.*?)```", re.DOTALL)


def blocks(kind: str) -> list[str]:
    return [body for lang, body in BLOCK_RE.findall(README.read_text()) if lang == kind]


@pytest.fixture()
def readme_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "hashing")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(README.parent)  # the examples use paths relative to the repository
    return {**os.environ}


def test_readme_has_python_and_cli_examples() -> None:
    assert blocks("python"), "the README should show the Python API"
    assert any("$ privacy-assistant" in block for block in blocks("console"))


def test_python_examples_run(readme_env: dict[str, str]) -> None:
    namespace: dict[str, object] = {}
    for block in blocks("python"):
        exec(compile(block, str(README), "exec"), namespace)


def test_cli_examples_run(readme_env: dict[str, str]) -> None:
    commands = [
        line.removeprefix("$ ").strip()
        for block in blocks("console")
        for line in block.splitlines()
        if line.startswith("$ privacy-assistant")
    ]
    assert commands
    for command in commands:
        argv = shlex.split(command.split(" #")[0])
        result = subprocess.run(
            [sys.executable, "-m", "assistant.cli", *argv[1:]],
            check=False,
            env=readme_env,
            cwd=README.parent,
            capture_output=True,
            text=True,
            timeout=300,
            input="Hello, do you sell my data?\n",
        )
        assert result.returncode == 0, (command, result.stderr[-2000:])
        assert "Traceback" not in result.stderr, command
