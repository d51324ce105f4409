"""A PostgreSQL cluster the test can stop and start again on the same port and data."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from servers import PG_BIN, PG_USER, free_port, unavailable


class PgCluster:
    def __init__(self) -> None:
        for binary in ("initdb", "pg_ctl", "createdb"):
            if not (PG_BIN / binary).exists():
                unavailable(f"PostgreSQL binaries not found in {PG_BIN} (set PG_BIN)")
        self.root = Path(tempfile.mkdtemp(prefix="pg-faults-"))
        if os.geteuid() == 0:  # PostgreSQL refuses root: hand the directory to its account
            if shutil.which("runuser") is None:
                unavailable("running as root and `runuser` is missing")
            shutil.chown(self.root, user=PG_USER, group=PG_USER)
        self.port = free_port()
        self.data = self.root / "data"
        self._run(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", PG_USER, "-E", "UTF8")
        self._run("mkdir", "-p", self.root / "sockets")
        self.start()
        self._run(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", PG_USER, "faults")
        self.url = f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/faults"

    def _run(self, *command: object) -> None:
        argv = [str(part) for part in command]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", PG_USER, "--", *argv]
        done = subprocess.run(argv, cwd=self.root, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root / 'sockets'} -c fsync=off"
        log = self.root / "postgres.log"
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
