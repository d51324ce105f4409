"""A DSR backend on 127.0.0.1 that can be down, slow, or fine, and deduplicates deliveries
on ``Idempotency-Key`` like the real one must (409 for a key it already holds)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from servers import free_port

from assistant.delivery import verify_signature

SECRET = "faults-webhook-secret"


@dataclass
class DsrBackend:
    port: int = field(default_factory=free_port)
    delay: float = 0.0  # seconds to sit on each request AFTER accepting it (a slow backend)
    accepted: Counter[str] = field(default_factory=Counter)  # key -> times stored (must be 1)
    requests: int = 0
    bad_signatures: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dsr"

    def start(self) -> DsrBackend:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = backend._store(
                    self.headers.get("Idempotency-Key", ""),
                    verify_signature(body, SECRET, self.headers.get("X-DSR-Signature", "")),
                )
                time.sleep(backend.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def _store(self, key: str, signed: bool) -> int:
        with self._lock:
            self.requests += 1
            if not signed:
                self.bad_signatures += 1
                return 401
            if key in self.accepted:
                return 409
            self.accepted[key] += 1
            return 201

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
