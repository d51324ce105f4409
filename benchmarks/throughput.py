"""Throughput over HTTP: N concurrent chat sessions against ``app.py`` in a subprocess.

Two routes into the same app process, measured one after the other with the same
messages: the JSON API (``POST /api/v1/chat``, one request per turn, the session id
carried from reply to request) and the Gradio route (one Gradio session hash on the
public ``/chat`` endpoint: ``POST /gradio_api/call/chat`` then its event stream, as a
browser would). Each session sends its messages one after another. The run is bounded
by a message count per session and a wall-clock cap.
The app gets a very high rate limit through the environment: this measures capacity,
not the limiter. Every non-answer counts as an error: HTTP failure, an ``error`` event,
or a Reply whose ``error`` is set.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from assistant.config import PROJECT_ROOT
from benchmarks.measure import (
    Summary,
    own_cpu_seconds,
    process_cpu_seconds,
    process_peak_rss_mb,
)
from benchmarks.questions import mixed
from benchmarks.servers import free_port, wait_for_http

ROUTES = {"api": "POST /api/v1/chat", "gradio": "POST /gradio_api/call/chat + event stream"}


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    answered: int = 0


@contextmanager
def running_app(data_dir: Path, log_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    command = [sys.executable, "app.py", "--port", str(port), "--data-dir", str(data_dir)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for_http(f"{url}/healthz", process, timeout=600)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def chat_once(client: httpx.AsyncClient, session_hash: str, message: str) -> dict[str, Any]:
    """One turn through the public API; returns the Reply JSON or raises with the reason."""
    posted = await client.post(
        "/gradio_api/call/chat", json={"data": [message], "session_hash": session_hash}
    )
    posted.raise_for_status()
    event_id = posted.json()["event_id"]
    event = None
    async with client.stream("GET", f"/gradio_api/call/chat/{event_id}") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = json.loads(line.removeprefix("data:").strip())
                if event == "error":
                    raise RuntimeError(f"error event: {data}")
                return dict(data[-1])  # outputs: chat history, then the Reply JSON
    raise RuntimeError("stream ended without a result")


async def api_chat_once(
    client: httpx.AsyncClient, session: str | None, message: str
) -> dict[str, Any]:
    """One turn through the JSON API; returns the Reply JSON or raises with the reason."""
    body = {"message": message} if session is None else {"session": session, "message": message}
    posted = await client.post("/api/v1/chat", json=body)
    if posted.status_code != 200:
        raise RuntimeError(f"HTTP {posted.status_code}")
    return dict(posted.json())


async def _session(
    client: httpx.AsyncClient, route: str, messages: list[str], deadline: float, tally: _Tally
) -> None:
    session_hash = uuid.uuid4().hex[:12]
    api_session: str | None = None
    for message in messages:
        if time.monotonic() > deadline:
            return
        started = time.perf_counter()
        try:
            if route == "api":
                reply = await api_chat_once(client, api_session, message)
                api_session = reply.get("session", api_session)
            else:
                reply = await chat_once(client, session_hash, message)
        except Exception as exc:  # counted, reported, and the session goes on
            tally.errors[type(exc).__name__] += 1
            continue
        if reply.get("error"):
            tally.errors[f"reply:{reply['error']['code']}"] += 1
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.answered += 1


async def _drive(
    url: str, route: str, sessions: int, per_session: int, max_seconds: float
) -> dict[str, Any]:
    tally = _Tally()
    limits = httpx.Limits(max_connections=sessions * 2, max_keepalive_connections=sessions * 2)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        # First-request costs stay out of the count.
        await chat_once(client, "warmup", "hello")
        await api_chat_once(client, None, "hello")
        deadline = time.monotonic() + max_seconds
        pool = mixed(sessions * per_session, seed=21)
        started = time.perf_counter()
        await asyncio.gather(
            *(
                _session(
                    client, route, pool[i * per_session : (i + 1) * per_session], deadline, tally
                )
                for i in range(sessions)
            )
        )
        wall = time.perf_counter() - started
    return {
        "route": ROUTES[route],
        "sessions": sessions,
        "messages_planned": sessions * per_session,
        "answered": tally.answered,
        "errors": sum(tally.errors.values()),
        "error_kinds": dict(tally.errors),
        "wall_seconds": round(wall, 2),
        "answers_per_second": round(tally.answered / wall, 2) if wall else None,
        "request_latency": Summary.of(tally.latencies).as_dict() if tally.latencies else None,
    }


def _measure(
    url: str, pid: int, route: str, sessions: int, per_session: int, max_seconds: float
) -> dict[str, Any]:
    app_cpu, client_cpu = process_cpu_seconds(pid), own_cpu_seconds()
    result = asyncio.run(_drive(url, route, sessions, per_session, max_seconds))
    app_cpu = (process_cpu_seconds(pid) or 0.0) - (app_cpu or 0.0)
    client_cpu = own_cpu_seconds() - client_cpu
    # Where the two cores went: the app per answer, and the load generator beside it.
    answered = max(result["answered"], 1)
    result["app_cpu_ms_per_answer"] = round(app_cpu / answered * 1000, 1)
    result["client_cpu_ms_per_answer"] = round(client_cpu / answered * 1000, 1)
    return result


def run(
    sessions: int = 20,
    per_session: int = 15,
    max_seconds: float = 180,
    routes: tuple[str, ...] = ("api", "gradio"),
) -> dict[str, Any]:
    """The first route's numbers at the top level (the target), every route under its name."""
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        data_dir, log = Path(tmp, "data"), Path(tmp, "app.log")
        with running_app(data_dir, log) as (url, process):
            measured = {
                route: _measure(url, process.pid, route, sessions, per_session, max_seconds)
                for route in routes
            }
            peak_rss = process_peak_rss_mb(process.pid)
    return {**measured[routes[0]], "app_peak_rss_mb": peak_rss, "routes": measured}
