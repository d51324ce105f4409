"""`privacy-assistant tickets ...` against a real SQLite file in a temporary data dir."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.cli.tickets import register
from assistant.config import Settings
from assistant.delivery import CONSENT_REQUEST_ROUTE, PRIVACY_REQUEST_ROUTE
from assistant.ticket_store import TicketStore
from assistant.tickets import DsrTicket, RequestType, TicketDraft

from .backend import WEBHOOK_SECRET, Receiver

MakeDraft = Callable[..., TicketDraft]
ENV = (
    "ASSISTANT_DATABASE_URL",
    "ASSISTANT_WEBHOOK_URL",
    "ASSISTANT_WEBHOOK_SECRET",
    "ASSISTANT_FIDES_URL",
    "ASSISTANT_FIDES_TOKEN",
)


@pytest.fixture()
def cli_store(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TicketStore]:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    store = TicketStore(Settings().sqlalchemy_url)
    yield store
    store.close()


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="privacy-assistant")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["tickets", *argv])
    return int(args.handler(args))


def test_list_is_a_table_most_urgent_first_with_filters(
    cli_store: TicketStore, make_draft: MakeDraft, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    late = cli_store.create(
        make_draft(request_type=RequestType.ERASURE), now=now - timedelta(days=40)
    )
    fresh = cli_store.create(make_draft(request_type=RequestType.ACCESS), now=now)
    assert run("list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["ID", "TYPE", "STATUS"]
    assert lines[1].startswith(late.id) and lines[1].endswith("OVERDUE")
    assert lines[2].startswith(fresh.id) and "OVERDUE" not in lines[2]

    assert run("list", "--overdue") == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == [late.id]
    assert run("list", "--type", "access", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [DsrTicket.model_validate(t).id for t in listed] == [fresh.id]
    assert run("list", "--status", "completed") == 0
    assert capsys.readouterr().err.strip() == "no tickets"


def test_show_prints_the_audit_trail(
    cli_store: TicketStore, make_draft: MakeDraft, capsys: pytest.CaptureFixture[str]
) -> None:
    made = cli_store.create(make_draft(details="all my data please"))
    cli_store.update_status(made.id, "verifying", actor="dsr:ann", note="sent ID request")
    assert run("show", made.id) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{made.id}  access  verifying")
    assert "legal basis: GDPR Art. 15" in out
    assert "identity check: required (pending)" in out
    assert "assistant: - -> received" in out
    assert "dsr:ann: received -> verifying  sent ID request" in out
    assert run("show", made.id, "--json") == 0
    assert DsrTicket.model_validate_json(capsys.readouterr().out).status == "verifying"


def test_unknown_ids_and_refused_changes_exit_2_on_stderr(
    cli_store: TicketStore, make_draft: MakeDraft, capsys: pytest.CaptureFixture[str]
) -> None:
    made = cli_store.create(make_draft())
    assert run("show", "DSR-2026-NOPE2345") == 2
    assert capsys.readouterr().err.strip() == "error: no ticket DSR-2026-NOPE2345"
    assert run("update", "DSR-2026-NOPE2345", "--status", "verifying") == 2
    assert "no ticket DSR-2026-NOPE2345" in capsys.readouterr().err
    assert run("update", made.id, "--status", "completed") == 2
    captured = capsys.readouterr()
    assert "cannot move from received to completed" in captured.err
    assert captured.out == ""
    with pytest.raises(SystemExit) as bad_status:
        run("update", made.id, "--status", "finished")
    assert bad_status.value.code == 2
    assert "invalid choice: 'finished'" in capsys.readouterr().err


def test_update_records_actor_and_note(
    cli_store: TicketStore, make_draft: MakeDraft, capsys: pytest.CaptureFixture[str]
) -> None:
    made = cli_store.create(make_draft())
    assert run("update", made.id, "--status", "verifying", "--actor", "dsr:bo", "--note", "ok") == 0
    assert capsys.readouterr().out.strip() == f"{made.id}: received -> verifying"
    entry = cli_store.get(made.id).audit[-1]  # type: ignore[union-attr]
    assert (entry.actor, entry.note) == ("dsr:bo", "ok")
    assert run("update", made.id, "--status", "cancelled") == 0
    assert cli_store.get(made.id).audit[-1].actor.startswith("cli")  # type: ignore[union-attr]


def test_exports(
    cli_store: TicketStore,
    make_draft: MakeDraft,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    erasure = cli_store.create(
        make_draft(request_type=RequestType.ERASURE, details="=HYPERLINK(1)")
    )
    opt_out = cli_store.create(make_draft(request_type=RequestType.MARKETING_OPT_OUT))

    target = tmp_path / "out.jsonl"
    assert run("export", "--format", "jsonl", "--output", str(target)) == 0
    assert "exported 2 ticket(s)" in capsys.readouterr().err
    exported = [DsrTicket.model_validate_json(line) for line in target.read_text().splitlines()]
    assert {t.id for t in exported} == {erasure.id, opt_out.id}

    assert run("export", "--format", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    by_id = {row["id"]: row for row in rows}
    assert by_id[erasure.id]["details"] == "'=HYPERLINK(1)"  # no formula reaches a spreadsheet
    assert by_id[opt_out.id]["verification_required"] == "False"

    assert run("export", "--format", "fides", "--type", "erasure") == 0
    routes = json.loads(capsys.readouterr().out)
    assert [r["external_id"] for r in routes[PRIVACY_REQUEST_ROUTE]] == [erasure.id]
    assert CONSENT_REQUEST_ROUTE not in routes


def test_deliver_once_sends_the_queue(
    cli_store: TicketStore,
    make_draft: MakeDraft,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    made = cli_store.create(make_draft())
    assert run("deliver", "--once") == 2
    assert "no DSR backend configured" in capsys.readouterr().err
    monkeypatch.setenv("ASSISTANT_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("ASSISTANT_WEBHOOK_SECRET", WEBHOOK_SECRET)
    assert run("deliver", "--once") == 1  # backend down: retrying
    receiver.start()
    with cli_store.engine.begin() as conn:  # skip the backoff wait
        conn.exec_driver_sql("UPDATE outbox SET next_attempt_at = '2000-01-01 00:00:00.000000'")
    assert run("deliver", "--once") == 0
    assert "delivered 1, retrying 0, failed 0" in capsys.readouterr().err
    assert set(receiver.accepted) == {made.idempotency_key}


def test_schema_check_and_print(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("schema", "--check") == 0
    assert run("schema") == 0
    assert json.loads(capsys.readouterr().out)["title"] == "DsrTicket"


def test_registered_in_the_real_entry_point(data_dir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--data-dir", str(data_dir), "tickets", "list"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "no tickets" in done.stderr
    assert (data_dir / "tickets.sqlite3").exists()
