"""Thumbs up/down on answers, stored with the question, the answer and the cited clauses.

Everything stored passes through redaction first: feedback is read by people.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, create_engine
from sqlalchemy.engine import Engine

from assistant.contract import Reply
from assistant.redaction import redact

MAX_COMMENT_CHARS = 2000

_metadata = MetaData()
feedback_table = Table(
    "feedback",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_hash", String(64), nullable=False),
    Column("rating", String(4), nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("clause_ids", Text, nullable=False),
    Column("policy_version", String(64)),
    Column("comment", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class FeedbackStore:
    def __init__(self, engine: Engine | str) -> None:
        self.engine = create_engine(engine) if isinstance(engine, str) else engine
        _metadata.create_all(self.engine)

    def record(
        self,
        session_id: str,
        question: str,
        reply: Reply,
        rating: Literal["up", "down"],
        comment: str | None = None,
    ) -> None:
        if rating not in ("up", "down"):
            raise ValueError("rating must be 'up' or 'down'")
        from hashlib import sha256

        row = {
            # Only a hash of the session id: feedback analysis needs grouping, not identity.
            "session_hash": sha256(session_id.encode()).hexdigest(),
            "rating": rating,
            "question": redact(question).text,
            "answer": redact(reply.reply).text,
            "clause_ids": json.dumps([c.clause_id for c in reply.citations]),
            "policy_version": reply.policy_version,
            "comment": redact(comment[:MAX_COMMENT_CHARS]).text if comment else None,
            "created_at": datetime.now(UTC),
        }
        with self.engine.begin() as conn:
            conn.execute(feedback_table.insert().values(**row))

    def all(self) -> list[dict[str, object]]:
        with self.engine.connect() as conn:
            rows = conn.execute(feedback_table.select().order_by(feedback_table.c.id)).mappings()
            return [dict(r) for r in rows]
