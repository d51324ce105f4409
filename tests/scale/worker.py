"""A chat worker process for multi-process tests: one ``Assistant``, JSON lines in and out.

    python worker.py '<json config>'

Config: ``settings`` (Settings fields: data_dir, chroma_host/port, database_url, ...) and
``sql_sessions`` (keep conversation state in the tickets database, so any worker can take
the next turn). Prints ``{"ready": pid}`` once built, then serves ``assistant.cli.chat``'s
JSON-lines protocol: one ``{"session", "message"}`` per stdin line, one Reply per line.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def build(config: dict[str, Any]) -> Any:
    from assistant.answering import build_generator
    from assistant.config import Settings
    from assistant.embedding import HashingEmbedder
    from assistant.retrieval import load_retriever
    from assistant.session import Assistant
    from assistant.sessions import SqlSessionStore
    from assistant.ticket_store import TicketStore

    settings = Settings(**config["settings"])
    retriever = load_retriever(settings, embedder=HashingEmbedder())
    tickets = TicketStore.from_settings(settings)
    sessions = SqlSessionStore(tickets.engine) if config.get("sql_sessions") else None
    return Assistant(
        settings=settings,
        policy=retriever.policy,
        retriever=retriever,
        generator=build_generator(settings, policy=retriever.policy),
        tickets=tickets,
        sessions=sessions,
    )


def main() -> int:
    from assistant.cli.chat import serve_jsonl

    assistant = build(json.loads(sys.argv[1]))
    print(json.dumps({"ready": os.getpid()}), flush=True)
    return serve_jsonl(assistant, sys.stdin, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
