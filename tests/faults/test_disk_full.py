"""The data directory's disk full: a confirmation is refused plainly (NOT filed), nothing
half-written remains, a new policy version is not half-activated, and after space is
freed the retried "yes" files exactly one ticket.

A real full disk: a small tmpfs mounted for the test (root only); skipped where mounting
is not permitted. ``test_store_write_error_is_reported_not_filed`` covers the same path
everywhere by making the insert fail with SQLite's own disk-full error.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from assistant.config import Settings
from assistant.embedding import HashingEmbedder
from assistant.index import open_index
from assistant.ticket_store import TicketStore

from .conftest import assert_not_filed_yet, build_assistant, ready_to_confirm
from .test_database import row_counts, sqlite_path

DISK_MB = 48


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path) -> Path:
    """Write a ballast file until the disk refuses another byte."""
    ballast = disk / "ballast"
    chunk = b"\0" * (1 << 20)
    with ballast.open("wb", buffering=0) as out:
        while True:
            try:
                out.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
        while True:  # the last partial megabyte too
            try:
                out.write(b"\0" * 4096)
            except OSError:
                break
    return ballast


def test_disk_full_refuses_plainly_and_retry_files_once(small_disk: Path) -> None:
    settings = Settings(data_dir=small_disk / "data")
    assistant = build_assistant(settings)
    ready_to_confirm(assistant, "disk-full")
    ballast = fill(small_disk)

    refused = assistant.respond("disk-full", "yes")
    assert_not_filed_yet(refused)
    assert assistant.respond("disk-full", "Do you sell my data?").citations  # reads still work
    database = sqlite_path(settings)
    assert row_counts(database) == (0, 0, 0)

    ballast.unlink()
    filed = assistant.respond("disk-full", "yes")
    assert filed.error is None and filed.ticket is not None
    assert row_counts(database) == (1, 1, 1)
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_disk_full_during_ingest_keeps_the_active_version(small_disk: Path) -> None:
    settings = Settings(data_dir=small_disk / "data")
    index = open_index(settings, HashingEmbedder())
    first = index.ingest_file(settings.policy_path)
    edited = settings.policy_path.read_text(encoding="utf-8").replace(
        "We take your privacy seriously", "We take your privacy very seriously"
    ) + ("\n\nA new closing paragraph about nothing in particular." * 200)
    new_policy = small_disk / "new-policy.txt"
    new_policy.write_text(edited, encoding="utf-8")
    ballast = fill(small_disk)

    with pytest.raises(Exception) as failed:
        index.ingest_file(new_policy)
    full = getattr(failed.value, "errno", None) == errno.ENOSPC
    assert full or "full" in str(failed.value).lower(), failed.value
    assert index.active_version() == first.version
    leftovers = sorted(p.name for p in (settings.data_dir / "policies").iterdir())
    assert all(".tmp" not in name for name in leftovers), leftovers

    ballast.unlink()
    assert open_index(settings, HashingEmbedder()).active_version() == first.version


def test_store_write_error_is_reported_not_filed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets = TicketStore(settings.sqlalchemy_url)
    assistant = build_assistant(settings, tickets=tickets)
    ready_to_confirm(assistant, "enospc")

    def disk_full(*_args: object) -> None:
        error = sqlite3.OperationalError("database or disk is full")
        raise OperationalError("INSERT INTO tickets", {}, error)

    with monkeypatch.context() as patch:
        patch.setattr(tickets, "_insert", disk_full)
        refused = assistant.respond("enospc", "yes")
    assert_not_filed_yet(refused)
    assert row_counts(sqlite_path(settings)) == (0, 0, 0)
    filed = assistant.respond("enospc", "yes")
    assert filed.ticket is not None
    assert row_counts(sqlite_path(settings)) == (1, 1, 1)
