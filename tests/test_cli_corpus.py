"""`privacy-assistant ingest | search | eval-retrieval`, with the hashing embedder
(``ASSISTANT_EMBEDDER=hashing``) because the model is not what these tests are about."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.policy import load_policy


@pytest.fixture(autouse=True)
def hashing_cli(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "hashing")
    # main() writes --data-dir into the environment; monkeypatch restores it afterwards.
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_prints_a_summary_and_shows_progress(
    capsys: pytest.CaptureFixture[str], data_dir: Path, policy_path: Path
) -> None:
    code, out, err = _run(capsys, "--data-dir", str(data_dir), "ingest", str(policy_path))
    version = load_policy(policy_path).version
    assert code == 0
    assert f"as version {version}" in out
    assert "124 clauses: 124 embedded, 0 reused, 0 removed" in out
    assert "embedding" in err and "100%" in err  # the tqdm bar, on stderr only

    code, out, _ = _run(capsys, "--data-dir", str(data_dir), "ingest", str(policy_path))
    assert code == 0 and "0 embedded, 124 reused" in out


def test_ingest_without_a_file_uses_the_configured_policy(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, policy_path: Path
) -> None:
    monkeypatch.setenv("ASSISTANT_POLICY_PATH", str(policy_path))
    code, out, _ = _run(capsys, "ingest")
    assert code == 0 and policy_path.name in out


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\xff\xfe\x00b\x00a\x00d", "binary"), (b"caf\xe9 policy", "UTF-8")],
)
def test_ingest_rejects_bad_files_with_exit_2(
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
    policy_path: Path,
    tmp_path: Path,
    content: bytes,
    message: str,
) -> None:
    _run(capsys, "ingest", str(policy_path))
    pointer = (data_dir / "policies" / "active.json").read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    code, out, err = _run(capsys, "ingest", str(bad))
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and message in err
    assert (data_dir / "policies" / "active.json").read_bytes() == pointer


def test_ingest_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "ingest", str(tmp_path / "nope.txt"))
    assert code == 2 and "not found" in err


def test_search_prints_ranked_clauses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "search", "Do Not Track", "--k", "3")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "1. do-not-track-1  [Do Not Track]"
    assert sum(line[:2] in ("1.", "2.", "3.") for line in lines) == 3


def test_search_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "search", "can I get a copy of my data", "--k", "4", "--json")
    data = json.loads(out)
    assert code == 0 and data["query"] == "can I get a copy of my data"
    assert len(data["results"]) == 4
    assert set(data["results"][0]) == {"clause_id", "section", "text", "score"}


def test_search_jsonl_answers_each_line_and_survives_bad_ones(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        json.dumps({"query": "Do Not Track", "k": 2}),
        "{not json",
        json.dumps({"query": ""}),
        json.dumps(["a list"]),
        "",
        json.dumps({"query": "cookies"}),
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, _ = _run(capsys, "search", "--jsonl", "--k", "3")
    replies = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(replies) == 5
    assert replies[0]["query"] == "Do Not Track" and len(replies[0]["results"]) == 2
    assert replies[0]["results"][0]["clause_id"] == "do-not-track-1"
    assert [("error" in r) for r in replies] == [False, True, True, True, False]
    assert "line 2" in replies[1]["error"] and "line 3" in replies[2]["error"]
    assert len(replies[4]["results"]) == 3  # the default --k


def test_search_needs_a_query(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "search")
    assert code == 2 and "QUERY" in err
    code, _, err = _run(capsys, "search", "x", "--k", "0")
    assert code == 2 and "--k" in err


def test_eval_retrieval_reports_every_system_per_split(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "eval-retrieval", "--split", "dev", "--json")
    data = json.loads(out)
    assert code == 0
    assert set(data["scores"]) == {"dev", "all"}
    systems = {"hybrid_bank", "hybrid", "dense", "dense_expanded", "bm25", "langchain_baseline"}
    assert set(data["scores"]["dev"]) == systems
    dev = data["scores"]["dev"]["bm25"]
    assert dev["cases"] >= 40 and 0.0 <= dev["recall_at_1"] <= dev["recall_at_3"] <= 1.0
    assert all(case["split"] == "dev" for case in data["cases"])

    code, out, _ = _run(capsys, "eval-retrieval", "--split", "dev")
    assert code == 0 and "langchain_baseline" in out and "R@1" in out
