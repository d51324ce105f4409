"""A chat worker process for multi-process tests: one ``Assistant``, JSON lines in and out.

    python worker.py '<json config>'

Config: ``settings`` (Settings fields: data_dir, chroma_host/port, database_url, ...).
Prints ``{"ready": pid}`` once built, then serves ``assistant.cli.chat``'s JSON-lines
protocol: one ``{"session", "message"}`` per stdin line, one Reply per line.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def build(config: dict[str, Any]) -> Any:
    """The app's own wiring (``Assistant.from_settings``): with a ``database_url`` the
    conversations live in that database too, so any worker can take the next turn."""
    from assistant.config import Settings
    from assistant.embedding import HashingEmbedder
    from assistant.session import Assistant

    return Assistant.from_settings(Settings(**config["settings"]), embedder=HashingEmbedder())


def main() -> int:
    from assistant.cli.chat import serve_jsonl

    assistant = build(json.loads(sys.argv[1]))
    print(json.dumps({"ready": os.getpid()}), flush=True)
    return serve_jsonl(assistant, sys.stdin, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
