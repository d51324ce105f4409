"""Run the web app: user chat at /, agent console at /console, tickets at /tickets.

    python app.py [--host 127.0.0.1] [--port 7860] [--data-dir data]

The port defaults to $GRADIO_SERVER_PORT, else 7860. Staff credentials come from
ASSISTANT_AGENT_USERNAME / ASSISTANT_AGENT_PASSWORD (required with ASSISTANT_PRODUCTION=1;
in development a random password is generated and printed to stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULT_PORT = 7860


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="WorkAllies privacy assistant web app")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("GRADIO_SERVER_PORT", DEFAULT_PORT)),
        help="port (default: $GRADIO_SERVER_PORT or 7860)",
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="state directory")
    parser.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust X-Forwarded-For from --forwarded-allow-ips (behind a reverse proxy)",
    )
    parser.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    parser.add_argument(
        "--embed-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a site allowed to embed the chat as a web component, e.g. https://www.example.com "
        "(repeatable; iframes need none)",
    )
    return parser.parse_args(argv)


def start_delivery(assistant: Any, settings: Any) -> threading.Event | None:
    """Run the outbox worker beside the app when a DSR backend is configured, so filed
    tickets leave by themselves; returns the event that stops it (None: nothing to run)."""
    from assistant.delivery import OutboxWorker, build_sender

    sender = build_sender(settings)
    if sender is None:
        return None  # tickets wait in the outbox until a backend is configured
    stop = threading.Event()
    worker = OutboxWorker.from_settings(assistant.tickets, sender, settings)
    threading.Thread(
        target=worker.run_forever, args=(stop,), name="dsr-delivery", daemon=True
    ).start()
    return stop


def serving_embedder(settings: Any) -> Any:
    """The embedder for serving many small concurrent turns: one torch thread per turn
    (intra-op threads on a one-query batch mostly spin and oversubscribe the cores), and
    the query embeddings of concurrent turns computed in shared batches."""
    import torch

    from assistant.embedding import default_embedder
    from assistant.embedding_batch import BatchingEmbedder

    torch.set_num_threads(1)
    return BatchingEmbedder(default_embedder(settings))


def main(argv: Sequence[str] | None = None) -> int:
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ.setdefault(name, "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    args = parse_args(argv)

    from assistant import log_redaction

    log_redaction.install()  # before anything can log or print a customer's input

    import uvicorn

    from assistant.config import Settings
    from assistant.delivery import DeliveryConfigError, build_sender
    from assistant.session import Assistant
    from assistant.web.auth import CredentialsError, resolve_credentials
    from assistant.web.server import create_app

    settings = Settings(data_dir=args.data_dir) if args.data_dir else Settings()
    try:  # before loading the model: a misconfigured production start fails fast
        credentials = resolve_credentials(settings)
        build_sender(settings)
    except (CredentialsError, DeliveryConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    assistant = Assistant.from_settings(settings, embedder=serving_embedder(settings))
    start_delivery(assistant, settings)
    app = create_app(
        assistant,
        settings,
        credentials=credentials,
        embed_origins=args.embed_origin,
    )
    print(f"Serving on http://{args.host}:{args.port}/", file=sys.stderr)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow_ips,
        # Gradio puts live session hashes in paths and query strings: keep them out of logs.
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
