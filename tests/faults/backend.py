"""A DSR backend on 127.0.0.1 that can be down, slow, or fine, and checks deliveries the way
SECURITY.md tells a real one to: the Standard Webhooks library verifies the signature over
id, timestamp and body and the timestamp window (401 otherwise), and deliveries are
deduplicated on ``webhook-id`` (409 for an id it already holds)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from servers import free_port
from standardwebhooks import Webhook, WebhookVerificationError

# A secret in the standard whsec_<base64> form (32 random-looking bytes).
SECRET = "whsec_ZmF1bHRzLXdlYmhvb2stc2VjcmV0LTAxMjM0NTY3ODk="


def verified(headers: dict[str, str], body: bytes) -> bool:
    try:
        Webhook(SECRET).verify(body, headers, json_parse=False)
    except WebhookVerificationError:
        return False
    return True


@dataclass
class DsrBackend:
    port: int = field(default_factory=free_port)
    delay: float = 0.0  # seconds to sit on each request AFTER accepting it (a slow backend)
    hang_on: set[str] = field(default_factory=set)  # bodies holding one of these hang...
    released: threading.Event = field(default_factory=threading.Event)  # ...until this is set
    accepted: Counter[str] = field(default_factory=Counter)  # key -> times stored (must be 1)
    arrived: int = 0  # requests received, hung ones included
    requests: int = 0  # requests answered (or about to be)
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
                with backend._lock:
                    backend.arrived += 1
                if any(marker.encode() in body for marker in backend.hang_on):
                    backend.released.wait(60)  # hung before looking at the request
                headers = dict(self.headers.items())
                status = backend._store(self.headers.get("webhook-id", ""), verified(headers, body))
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
        self.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
