"""`app.py` as a real process on loopback, and the public chat API as a browser uses it.

The app runs with the hashing embedder (``ASSISTANT_EMBEDDER=hashing``) so it starts in
seconds; everything else is the production code path, including uvicorn's settings from
``app.py`` (no proxy headers trusted unless ``--proxy-headers``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class App:
    url: str
    process: subprocess.Popen[bytes]

    def chat(self, session_hash: str, message: str, **headers: str) -> dict[str, Any]:
        """One turn on the public ``/chat`` endpoint; returns the Reply JSON."""
        with httpx.Client(base_url=self.url, timeout=60, headers=headers) as client:
            posted = client.post(
                "/gradio_api/call/chat", json={"data": [message], "session_hash": session_hash}
            )
            posted.raise_for_status()
            event_id = posted.json()["event_id"]
            event = None
            with client.stream("GET", f"/gradio_api/call/chat/{event_id}") as stream:
                for line in stream.iter_lines():
                    if line.startswith("event:"):
                        event = line.removeprefix("event:").strip()
                    elif line.startswith("data:") and event in ("complete", "error"):
                        data = json.loads(line.removeprefix("data:").strip())
                        assert event == "complete", data
                        return dict(data[-1])
        raise AssertionError("no result event")


def _wait(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError("app.py did not answer /healthz")


@contextmanager
def running_app(workdir: Path, *args: str, **settings: str) -> Iterator[App]:
    """``settings``: ASSISTANT_* variables without the prefix, e.g. RATE_LIMIT_PER_MINUTE="3"."""
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_EMBEDDER": "hashing",
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ASSISTANT_AGENT_PASSWORD": "security-tests-password",
        **{f"ASSISTANT_{name.upper()}": value for name, value in settings.items()},
    }
    log = workdir / f"app-{port}.log"
    command = [sys.executable, "app.py", "--port", str(port), "--data-dir", str(workdir / "data")]
    with log.open("wb") as out:
        process = subprocess.Popen([*command, *args], cwd=ROOT, env=env, stdout=out, stderr=out)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait(url, process, log)
            yield App(url, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
