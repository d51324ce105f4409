"""The suite with the real MiniLM model on the shipped policy (a subset, to stay quick)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings
from assistant.embedding import default_embedder
from assistant.evaluation.suite import EvalOptions, evaluate

from .paths import ROOT

pytestmark = pytest.mark.slow


def test_shipped_adversarial_set_with_the_real_model(tmp_path: Path) -> None:
    made: list[Any] = []

    def embedder(settings: Settings) -> Any:
        made.append(default_embedder(settings))
        return made[-1]

    options = EvalOptions(
        settings=Settings(data_dir=tmp_path / "live"),
        evals_dir=ROOT / "evals",
        datasets=["adversarial"],
        retrieval_comparison=False,
        progress=False,
    )
    report = evaluate(options, make_embedder=embedder)
    assert len(made) == 1  # one model for every case, never reloaded per case
    assert report.config["embedder"] == "all-MiniLM-L6-v2"
    assert report.counts == {"adversarial": 21}
    assert report.metric("adversarial.citation_validity") == 1.0
    secrets = [c for c in report.cases if c.attack == "secret_echo"]
    assert secrets and all(c.passed for c in secrets), [c.failures for c in secrets]
