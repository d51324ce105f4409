"""The blind-batch scorer (evals/blind/score_chat.py) counts what its header says it counts."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCORER = Path(__file__).resolve().parents[2] / "evals" / "blind" / "score_chat.py"


def scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_chat", SCORER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def row(kind: str, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "kind": kind, "abstained": False, "closest": False, "intent": "question",
        "verbatim": True, "rank": None, "retr": None, "lead_expected": None,
        "lead_given": None, "topic_change": False,
    }  # fmt: skip
    return {**base, **fields}


def test_summary_counts_ranks_abstentions_leads_and_small_talk() -> None:
    rows = [
        row("answerable", rank=1, retr=1, lead_expected="yes", lead_given="yes"),
        row("answerable", rank=3, retr=2, lead_expected="no", lead_given="yes"),
        row("answerable", abstained=True, closest=True, retr=4),
        row("followup", rank=2, topic_change=True),
        row("unanswerable", abstained=True),
        row("unanswerable", intent="out_of_scope"),
        row("unanswerable"),
        row("smalltalk", intent="chitchat"),
        row("smalltalk", abstained=True, verbatim=False),
    ]
    summary = scorer().summarise(rows)
    assert summary["gold_first (answerable+followups)"] == 0.25
    assert summary["gold_top3 (answerable+followups)"] == 0.75
    assert summary["retriever R@3 (answerable)"] == round(2 / 3, 3)
    assert summary["wrong_abstention (answerable+followups)"] == 0.25
    assert summary["wrong_abstention flat (not closest passage)"] == 0.0
    assert summary["uncovered declined"] == round(2 / 3, 3)
    assert (summary["leads right"], summary["leads wrong"]) == (1, 1)
    assert summary["topic_change followups top3"] == 1.0
    assert summary["smalltalk as chitchat"] == 0.5
    assert summary["verbatim"] == round(8 / 9, 3)
