"""`evaluate()` and the CLI end to end on the Acme fixtures, with the hashing embedder
(the real model is exercised by the `slow` test and by `privacy-assistant eval` in CI)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import Settings
from assistant.embedding import HashingEmbedder
from assistant.evaluation.results import EvalReport
from assistant.evaluation.suite import EvalOptions, evaluate
from assistant.ticket_store import TicketStore
from assistant.tickets import RequestType, TicketDraft

from .paths import ACME, ACME_EVALS, ACME_V2, FIXTURES, SHIPPED_POLICY, V2_POLICY

THRESHOLDS = FIXTURES / "acme-thresholds.yaml"


def _hashing(_settings: Settings) -> HashingEmbedder:
    return HashingEmbedder()


def _options(live: Path, **extra: object) -> EvalOptions:
    return EvalOptions(
        settings=Settings(data_dir=live, policy_path=ACME),
        evals_dir=ACME_EVALS,
        thresholds=THRESHOLDS,
        progress=False,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture(autouse=True)
def _restore_torch_threads() -> Iterator[None]:
    """`eval --threads` sets a process-wide torch setting; leave it as other tests found it."""
    import torch

    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture()
def live(tmp_path: Path) -> Path:
    path = tmp_path / "live"
    path.mkdir()
    return path


def test_evaluate_leaves_the_live_data_dir_alone(live: Path) -> None:
    report = evaluate(_options(live), make_embedder=_hashing)
    assert report.gate is not None and report.gate.passed
    assert list(live.iterdir()) == []  # tickets were filed, but in a throwaway store
    assert any(c.ticket_filed for c in report.cases)
    assert report.retrieval_comparison is not None
    assert set(report.config["timings"]) >= {"setup_s", "cases_s", "cpu_s"}


def test_new_policy_lists_what_needs_review(live: Path, tmp_path: Path) -> None:
    baseline = evaluate(_options(live, retrieval_comparison=False), make_embedder=_hashing)
    baseline_path = tmp_path / "baseline.json"
    baseline_path.write_text(baseline.model_dump_json())
    store = TicketStore(Settings(data_dir=live).sqlalchemy_url)  # a live ticket
    ticket = store.create(
        TicketDraft(
            request_id=uuid.uuid4().hex,
            request_type=RequestType.ERASURE,
            email="c@example.com",
            session_id="s-live",
            cited_clause_ids=("keeping-data-1", "cookies-1"),
        )
    )
    store.close()

    report = evaluate(
        _options(live, policy_path=ACME_V2, baseline=baseline_path), make_embedder=_hashing
    )
    assert report.policy_diff is not None and report.review is not None
    assert report.policy_diff.sections_removed == ["Keeping Data"]
    reviewed = {(c.case_id, c.reason.split(":")[0]) for c in report.review.cases}
    assert ("ans-keep-after-close", "gold missing") in reviewed
    assert ("ans-cookies", "gold clause changed") in reviewed
    assert {(t.ticket_id, t.clause_id, t.fate) for t in report.review.tickets} == {
        (ticket.id, "keeping-data-1", "removed"),
        (ticket.id, "cookies-1", "changed"),
    }
    changed = {a.case_id for a in report.review.answers}
    assert "ans-cookies" in changed  # the cookie sentence was rewritten
    assert "ans-sell" not in changed
    # the retention gold is gone: the retriever table is scored on the other cases
    comparison = report.retrieval_comparison
    assert comparison is not None and comparison["cases_without_gold"] == 1
    assert comparison["scores"]["all"]["hybrid"]["cases"] == 7


def _cli(live: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("ASSISTANT_POLICY_PATH", str(ACME))
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "hashing")
    return main(
        [
            "--data-dir",
            str(live),
            "eval",
            "--evals-dir",
            str(ACME_EVALS),
            "--thresholds",
            str(THRESHOLDS),
            "--quiet",
            "--no-retrieval-comparison",
            *args,
        ]
    )


def test_cli_eval_writes_reports_and_gates(
    live: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert _cli(live, monkeypatch, "--output", str(out)) == 0
    assert "gate: PASS" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    report = EvalReport.load(out / "report.json")
    # an impossible extra minimum fails the gate: exit 1
    code = _cli(live, monkeypatch, "--output", str(out), "--fail-under", "retrieval.recall@3=1.01")
    assert code == 1
    assert "gate: FAIL" in capsys.readouterr().out
    # a regression against the first report fails too
    assert report.metric("retrieval.recall@3") is not None


def test_cli_eval_bad_input_exits_2(
    live: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(live, monkeypatch, "--baseline", str(live / "nope.json")) == 2
    assert "file not found" in capsys.readouterr().err
    assert _cli(live, monkeypatch, "--fail-under", "retrieval.recal@3=1") == 2
    assert _cli(live, monkeypatch, "--threads", "0") == 2


def test_cli_policy_diff(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "diff", str(SHIPPED_POLICY), str(V2_POLICY)]) == 0
    out = capsys.readouterr().out
    assert "section removed: Do Not Track" in out
    assert "2 added, 1 removed, 3 changed, 2 renumbered" in out
    assert main(["policy", "diff", str(SHIPPED_POLICY), str(V2_POLICY), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sections_removed"] == ["Do Not Track"]
    assert main(["policy", "diff", str(SHIPPED_POLICY), "/no/such/file.txt"]) == 2


def test_cli_policy_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "coverage", str(V2_POLICY), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    statuses = {item["id"]: item["status"] for item in data["items"]}
    assert statuses["right_to_portability"] == "covered"
