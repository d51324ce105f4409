"""Support-agent drafts: a customer email in; a reply draft with references and one ticket
preview per request out.

The draft reuses the chat's answering and rights recognition, so an agent's reply says
nothing the chat would not say, and cites the same verbatim policy text:

- every request the email makes is detected (``rights.detect_all``), each previewed as its
  own ticket the agent can file; a question about a right ("if I delete my account, what
  happens?") is answered, never turned into a ticket;
- every question is answered on its own through the chat's retrieval and generator, and the
  cited clauses become one numbered reference list at the end (no ``[n]`` in the prose);
- the tone follows the customer: an apology when they are upset; the draft promises what
  will happen and never says a request was filed (the agent files it after reading);
- no sentence is said twice, however many answers repeat it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from assistant import rights
from assistant.answering.citations import MARKER_RE
from assistant.answering.text import content_words
from assistant.answering.types import Answer
from assistant.brand import Brand, brand_of, or_configured
from assistant.contract import Citation
from assistant.inputs import clean_message
from assistant.language import followup_words, opens_like_question
from assistant.redaction import redact
from assistant.rights import slots as slot_names
from assistant.templates import load_template
from assistant.tickets import RequestType

if TYPE_CHECKING:
    from assistant.session import Assistant

MAX_QUESTIONS = 5

_SENTENCE_RE = re.compile(r"(?<=[?.!])\s+|\n+")
# How an email's sentence opens a question without its "?" (`language.opens_like_question`):
# after the chat's one-word connectors and "oh", "ok", any number of them ("ok, so what
# ..."), a wh-word, or an auxiliary but "might" before someone it asks about ("does acme
# sell ..."; "<company>" is the brand's name, filled in once per brand).
_SKIPPED = frozenset(c for c in followup_words().connectors if " " not in c) | {"oh", "ok", "okay"}
_SUBJECTS = r"(?:you|i|we|they|it|my|your|there|<company>|the|this|that|anyone|someone)"
# A question that points back ("how do I make them stop?") is read with the sentence before
# ("this" and "that" mostly point at the email itself: "how long will this take?").
_POINTS_BACK = re.compile(
    r"\b(?:them|they|those|these|its|their)\b|\bit\b(?! takes?\b)", re.IGNORECASE
)
MIN_CONTEXT_WORDS = 3  # "Hi," or "Good day." is no context
_QUOTE_HEADER = re.compile(r"^On .{3,200} wrote:$|^-{2,} ?Original Message ?-{2,}$", re.I)
_TELL_ME = re.compile(
    r"\b(?:tell|let|show) (?:me|us)(?: know)? "
    r"((?:who|what|how|why|when|where|whether|if|which)\b[^?]*)",
    re.IGNORECASE,
)
_SENTENCE_START = re.compile(r"(?:^|(?<=[.!?]\s))[a-z]")
_SPACE_BEFORE_MARKER = re.compile(r"\s*" + MARKER_RE.pattern)


class TicketPreview(BaseModel):
    """One detected request, as the console pre-fills it for the agent to check and file."""

    model_config = ConfigDict(extra="forbid")
    request_type: str
    email: str | None = None
    username: str | None = None
    details: str | None = None
    missing: list[str] = Field(default_factory=list)


class Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reply_text: str
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False
    requests: list[TicketPreview] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    customer_message: str = ""  # redacted: what the tickets view may show staff
    secrets_removed: bool = False
    policy_version: str


@dataclass(frozen=True)
class Question:
    asked: str  # as the customer wrote it
    query: str  # what is retrieved and answered: with the sentence it points back to


@dataclass(frozen=True)
class _Answered:
    question: str
    answer: Answer


@cache
def _wording() -> dict[str, Any]:
    return load_template("drafting")


# ------------------------------------------------------------------ reading the email


def own_words(message: str) -> str:
    """The customer's own text: the thread they quoted back ("> ...", "On Monday, ...
    wrote:") asked nothing of us now."""
    kept = [
        line
        for line in message.splitlines()
        if not line.lstrip().startswith(">") and not _QUOTE_HEADER.match(line.strip())
    ]
    return "\n".join(kept).strip() or message


def _sentences(message: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_RE.split(message) if s.strip()]


def _embedded_question(sentence: str) -> str | None:
    """A question asked as an instruction: "... and tell me who you share my number with."."""
    found = _TELL_ME.search(sentence)
    if found is None:
        return None
    asked = found.group(1).rstrip(" .!,;")
    return f"{asked[:1].upper()}{asked[1:]}?"


def _is_question(sentence: str, brand: Brand) -> bool:
    starts = opens_like_question(
        sentence,
        skip=_SKIPPED,
        subjects=_SUBJECTS.replace("<company>", brand.alias_regex),
        without=frozenset({"might"}),
    )
    return sentence.rstrip(" .!)").endswith("?") or starts


def questions_in(message: str, brand: Brand | None = None) -> list[Question]:
    """The questions an email asks, each readable on its own: sentences ending in "?" or
    opening like one, minus those that are themselves requests ("can you delete my
    account?" is handled as a request) and those with no content ("why??"). A question
    that points back ("how do I make them stop?") is read with the sentence before it.
    ``brand``: the company the email is written to (the configured policy's if None)."""
    brand = or_configured(brand)
    found: list[Question] = []
    previous = ""
    for sentence in _sentences(message):
        asks = _is_question(sentence, brand) and content_words(sentence)
        if asks and rights.detect_request(sentence, brand) is None:
            context = previous if _POINTS_BACK.search(sentence) else ""
            found.append(Question(sentence, f"{context} {sentence}".strip()))
        elif (embedded := _embedded_question(sentence)) and content_words(embedded):
            found.append(Question(embedded, embedded))
        if len(content_words(sentence)) >= MIN_CONTEXT_WORDS:
            previous = sentence
    return found[:MAX_QUESTIONS]


def tone(message: str) -> str:
    """ "apology" when the customer is upset, "concern" when worried, else "thanks"."""
    text = _wording()
    if any(re.search(cue, message, re.IGNORECASE) for cue in text["upset_cues"]):
        return "apology"
    calm = set(text["not_shouting"])
    if any(w not in calm for w in re.findall(r"\b[A-Z]{4,}\b", message)):
        return "apology"  # shouting
    if any(re.search(cue, message, re.IGNORECASE) for cue in text["worried_cues"]):
        return "concern"
    return "thanks"


def previews(message: str, brand: Brand | None = None) -> list[TicketPreview]:
    """One preview per request the message makes (none about someone else's data)."""
    found = []
    for detection in rights.detect_all(message, brand):
        if detection.other_person:
            continue
        request = rights.start(detection)
        slots = request.slots
        found.append(
            TicketPreview(
                request_type=str(request.request_type),
                email=slots.get(slot_names.EMAIL),
                username=slots.get(slot_names.CHILD_ACCOUNT) or slots.get(slot_names.USERNAME),
                details=_details(request.request_type, slots),
                missing=list(request.missing),
            )
        )
    return found


def _details(kind: RequestType, slots: dict[str, str]) -> str | None:
    if kind is RequestType.RECTIFICATION and slots.get(slot_names.CORRECTION_VALUE):
        what = slots.get(slot_names.CORRECTION_WHAT, "")
        return f"{what}: {slots[slot_names.CORRECTION_VALUE]}".strip(": ")
    return slots.get(slot_names.OBJECTION_GROUNDS) or slots.get("details")


# ------------------------------------------------------------------ writing the reply


def _request_paragraphs(
    requests: Sequence[TicketPreview], unnamed: dict[str, Citation]
) -> list[str]:
    """``unnamed``: the nearest right the policy grants, by request type, for rights it
    never names."""
    if not requests:
        return []
    text = _wording()
    actions = [text["request_actions"].get(r.request_type, r.request_type) for r in requests]
    joined = actions[0]
    if len(actions) > 1:
        joined = ", ".join(actions[:-1]) + f" {text['and']} {actions[-1]}"
    key = "requests_one" if len(requests) == 1 else "requests_many"
    paragraphs = [text[key].format(actions=joined)]
    paragraphs += [
        text["unnamed_right"].format(
            label=rights.request_label(RequestType(kind)), quote=" ".join(cited.quote.split())
        )
        for kind, cited in unnamed.items()
    ]
    paragraphs += [
        text["self_service"][r.request_type]
        for r in requests
        if r.request_type in text["self_service"]
    ]
    if any(not r.email for r in requests):
        minor = any(r.request_type == RequestType.MINOR_DATA_DELETION for r in requests)
        paragraphs.append(text["request_needs_email_minor" if minor else "request_needs_email"])
    return paragraphs


def _prose(answer_text: str) -> str:
    """The answer without its [n] markers (the references go at the end of the email), in
    the company's voice."""
    text = _SPACE_BEFORE_MARKER.sub("", answer_text).strip()
    for pattern, replacement in _wording()["voice"]:
        text = re.sub(pattern, replacement, text)
    return _SENTENCE_START.sub(lambda m: m.group(0).upper(), text)  # the voice's "our"


class _SaidOnce:
    """Drops sentences already said: answers to related questions often quote the same
    clause, and the request paragraph may say what an answer says."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, paragraph: str) -> str:
        fresh = []
        for sentence in re.split(r"(?<=[.!?])\s+", paragraph.strip()):
            key = " ".join(re.findall(r"\w+", sentence.lower()))
            if len(key) > 20 and key in self.seen:
                continue
            self.seen.add(key)
            fresh.append(sentence)
        return " ".join(fresh)


def _answer_paragraphs(answered: Sequence[_Answered], said: _SaidOnce) -> list[str]:
    text = _wording()
    paragraphs = []
    unanswered = []
    for item in answered:
        if item.answer.abstained and not item.answer.closest:
            unanswered.append(item.question)
            continue
        body = said(_prose(item.answer.text))
        if body and len(answered) > 1:
            body = f"{text['answer_intro'].format(question=_short(item.question))}\n{body}"
        if body:
            paragraphs.append(body)
    if unanswered:
        questions = ", ".join(
            text["no_answer_question"].format(question=_short(q)) for q in unanswered
        )
        paragraphs.append(said(text["no_answer"].format(questions=questions)))
    return paragraphs


def _short(question: str, limit: int = 120) -> str:
    question = " ".join(question.split())
    return question if len(question) <= limit else question[: limit - 1].rstrip() + "…"


def _references(citations: Sequence[Citation], last_updated: str | None) -> str:
    text = _wording()
    heading = (
        text["sources_heading"].format(last_updated=last_updated)
        if last_updated
        else text["sources_heading_undated"]
    )
    lines = [
        text["source_line"].format(number=n, section=c.section, quote=" ".join(c.quote.split()))
        for n, c in enumerate(citations, start=1)
    ]
    return "\n".join([heading, *lines])


def _unnamed_rights(assistant: Assistant, requests: Sequence[TicketPreview]) -> dict[str, Citation]:
    """For each request whose right the policy never names (a portable copy, here), the
    clause of the nearest right it grants: the draft says so, as the chat does, so the
    customer does not take the reply for a promise the policy makes."""
    unnamed = {}
    for kind in dict.fromkeys(RequestType(r.request_type) for r in requests):
        if rights.names_the_right(kind, assistant.policy.text):
            continue
        if hits := rights.request_citations(kind, assistant.retriever.search):
            unnamed[str(kind)] = Citation.of_clause(hits[0].clause)
    return unnamed


def _unique_citations(answered: Sequence[_Answered], first: Sequence[Citation]) -> list[Citation]:
    """``first``: cited before the answers (the request paragraphs come first)."""
    citations: dict[tuple[int, int], Citation] = {(c.start, c.end): c for c in first}
    for item in answered:
        if item.answer.abstained and not item.answer.closest:
            continue
        for c in item.answer.citations:
            citations.setdefault((c.start, c.end), Citation.of(c))
    return list(citations.values())


def draft_reply(assistant: Assistant, customer_message: str) -> Draft:
    cleaned = clean_message(customer_message, assistant.settings.max_message_chars * 4)
    if cleaned.problem:
        raise ValueError(cleaned.problem.message)
    redacted = redact(cleaned.text)
    message = own_words(redacted.text)
    text = _wording()
    brand = brand_of(assistant.policy, assistant.settings.company_name)
    requests = previews(message, brand)
    questions = questions_in(message, brand)
    if not questions and not requests:
        questions = [Question(message, message)]  # no "?" and no request: the email asks
    answered = [_Answered(q.asked, _answer(assistant, q.query)) for q in questions]
    unnamed = _unnamed_rights(assistant, requests)
    citations = _unique_citations(answered, list(unnamed.values()))
    said = _SaidOnce()
    body = [said(p) for p in [text[tone(message)], *_request_paragraphs(requests, unnamed)]]
    paragraphs = [text["greeting"], *body, *_answer_paragraphs(answered, said)]
    if citations:
        updated = assistant.policy.last_updated
        paragraphs.append(_references(citations, f"{updated:%b %-d, %Y}" if updated else None))
    paragraphs.append(text["closing"])
    return Draft(
        reply_text="\n\n".join(paragraphs),
        citations=citations,
        abstained=bool(answered) and not citations,
        requests=requests,
        questions=[q.asked for q in questions],
        customer_message=redacted.text,
        secrets_removed=bool(redacted.found),
        policy_version=assistant.policy.version,
    )


def _answer(assistant: Assistant, question: str) -> Answer:
    hits = assistant.retriever.search(question, k=assistant.settings.retrieval_k)
    return assistant.generator.answer(question, hits)
