"""Support-agent drafts: a customer email in; a reply draft with citations and a ticket preview out.

The draft reuses the chat's answering and rights recognition, so an agent's reply says
nothing the chat would not say, and cites the same verbatim policy text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from assistant import rights
from assistant.answering.citations import renumber_markers
from assistant.contract import Citation
from assistant.inputs import clean_message
from assistant.redaction import redact
from assistant.templates import load_template

if TYPE_CHECKING:
    from assistant.session import Assistant

MAX_QUESTIONS = 3


class TicketPreview(BaseModel):
    """What the console pre-fills for the agent to check before filing."""

    model_config = ConfigDict(extra="forbid")
    request_type: str
    email: str | None = None
    details: str | None = None
    missing: list[str] = Field(default_factory=list)


class Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reply_text: str
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False
    request: TicketPreview | None = None
    secrets_removed: bool = False
    policy_version: str


def questions_in(message: str, *, has_request: bool) -> list[str]:
    """The customer's questions: sentences ending in '?'. Without any, the whole message is
    the question, unless it is a rights request (then there is nothing else to answer)."""
    sentences = re.split(r"(?<=[?.!])\s+", message)
    asked = [s.strip() for s in sentences if s.strip().endswith("?")]
    if asked:
        return asked[:MAX_QUESTIONS]
    return [] if has_request else [message]


def draft_reply(assistant: Assistant, customer_message: str) -> Draft:
    cleaned = clean_message(customer_message, assistant.settings.max_message_chars * 4)
    if cleaned.problem:
        raise ValueError(cleaned.problem.message)
    redacted = redact(cleaned.text)
    text = load_template("drafting")
    detection = rights.detect_request(redacted.text)
    preview = _preview(detection) if detection and not detection.other_person else None

    paragraphs = [text["greeting"], text["thanks"]]
    if preview:
        label = text["request_labels"].get(preview.request_type, preview.request_type)
        paragraphs.append(text["request_ack"].format(request_label=label))
        if not preview.email:
            paragraphs.append(text["request_needs_email"])

    citations: list[Citation] = []
    abstained_all = True
    questions = questions_in(redacted.text, has_request=preview is not None)
    for question in questions:
        answer = assistant.generator.answer(
            question, assistant.retriever.search(question, k=assistant.settings.retrieval_k)
        )
        if answer.abstained:
            continue
        abstained_all = False
        offset = {n: n + len(citations) for n in range(1, len(answer.citations) + 1)}
        paragraphs.append(renumber_markers(answer.text, offset))
        citations.extend(
            Citation(
                clause_id=c.clause_id, section=c.section, quote=c.quote, start=c.start, end=c.end
            )
            for c in answer.citations
        )
    if questions and abstained_all:
        paragraphs.append(text["no_answer"])
    paragraphs.append(text["closing"])
    return Draft(
        reply_text="\n\n".join(paragraphs),
        citations=citations,
        abstained=bool(questions) and abstained_all,
        request=preview,
        secrets_removed=bool(redacted.found),
        policy_version=assistant.policy.version,
    )


def _preview(detection: rights.Detection) -> TicketPreview:
    request = rights.start(detection)
    return TicketPreview(
        request_type=str(request.request_type),
        email=request.slots.get("email"),
        details=request.slots.get("objection_grounds") or request.slots.get("details"),
        missing=list(request.missing),
    )
