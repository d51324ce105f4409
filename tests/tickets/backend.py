"""Test doubles that are real: an HTTP DSR backend on 127.0.0.1 and a settable clock."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from servers import free_port
from standardwebhooks import Webhook, WebhookVerificationError

from assistant.delivery import standard_secret

WEBHOOK_SECRET = "test-webhook-secret"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    signature_ok: bool


def verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a DSR backend does with the off-the-shelf library: signature over id, timestamp
    and body, timestamp within the library's window (5 minutes)."""
    try:
        Webhook(standard_secret(secret)).verify(body, headers, json_parse=False)
    except WebhookVerificationError:
        return False
    return True


@dataclass
class Receiver:
    """A stdlib HTTP server playing the DSR backend: verifies Standard Webhooks signatures
    (401 when they fail), deduplicates on ``webhook-id`` (409 for an id it already holds),
    and can be told to fail. As Fides (``fides=True``) it checks no signature and
    deduplicates on ``Idempotency-Key``."""

    port: int = field(default_factory=free_port)
    secret: str = WEBHOOK_SECRET  # a pre-whsec_ value: the receiver uses its whsec_ form
    fides: bool = False
    fail_next: int = 0  # answer this many requests with 500 first
    status_override: int | None = None  # answer everything with this status
    response_json: Any = None
    requests: list[Received] = field(default_factory=list)
    accepted: dict[str, bytes] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dsr"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = dict(self.headers.items())
                signed = receiver.fides or verified(receiver.secret, headers, body)
                status = receiver._answer(receiver.key(headers), body) if signed else 401
                with receiver._lock:
                    receiver.requests.append(Received(self.path, headers, body, status, signed))
                payload = json.dumps(receiver.response_json or {"ok": status < 300}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: object) -> None:  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def key(self, headers: dict[str, str]) -> str:
        lowered = {name.lower(): value for name, value in headers.items()}
        return lowered.get("idempotency-key" if self.fides else "webhook-id", "")

    def _answer(self, key: str, body: bytes) -> int:
        with self._lock:
            if self.status_override is not None:
                return self.status_override
            if self.fail_next > 0:
                self.fail_next -= 1
                return 500
            if key in self.accepted:
                return 409
            self.accepted[key] = body
            return 201

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def successes(self) -> Counter[str]:
        return Counter(self.key(r.headers) for r in self.requests if 200 <= r.status < 300)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
