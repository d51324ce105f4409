"""The Assistant's routing of a turn, and the chat contract it returns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.contract import Reply
from assistant.session import Assistant

CONTRACT_FIELDS = {
    "contract_version": str,
    "session": str,
    "reply": str,
    "intent": str,
    "abstained": bool,
    "closest_passage": bool,
    "citations": list,
    "request": (dict, type(None)),
    "ticket": (dict, type(None)),
    "error": (dict, type(None)),
    "policy_version": (str, type(None)),
}


@pytest.fixture()
def assistant(tmp_path: Path) -> Assistant:
    return Assistant.for_testing(tmp_path / "data")


def test_reply_json_has_the_contract_fields_and_types(fast_assistant: Assistant) -> None:
    data = json.loads(
        fast_assistant.respond("contract-1", "Do you sell my data?").model_dump_json()
    )
    assert set(data) == set(CONTRACT_FIELDS)
    for name, expected in CONTRACT_FIELDS.items():
        assert isinstance(data[name], expected), name
    assert data["intent"] in {"question", "rights_request", "out_of_scope", "chitchat"}
    for citation in data["citations"]:
        assert set(citation) == {"clause_id", "section", "quote", "start", "end"}


def test_every_citation_is_verbatim_at_its_offsets(fast_assistant: Assistant) -> None:
    text = fast_assistant.policy.text
    for question in ["Do you honor Do Not Track?", "How long do you keep my data?", "cookies"]:
        reply = fast_assistant.respond("verbatim", question)
        for citation in reply.citations:
            assert text[citation.start : citation.end] == citation.quote
            assert fast_assistant.policy.clause(citation.clause_id).section == citation.section


def test_reply_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError, match="extra"):
        Reply(session="s", reply="r", intent="question", surprise=1)  # type: ignore[call-arg]


def test_greeting_gets_a_short_reply_not_a_retrieval_dump(fast_assistant: Assistant) -> None:
    reply = fast_assistant.respond("greet", "hi there!")
    assert reply.intent == "chitchat"
    assert reply.citations == []
    assert len(reply.reply.split()) < 60


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("", "empty_message"),
        ("   \n\t ", "empty_message"),
        ("\x00\x01\x02", "empty_message"),
        ("x" * 200_000, "message_too_long"),
    ],
)
def test_bad_messages_get_a_structured_error(
    fast_assistant: Assistant, message: str, code: str
) -> None:
    reply = fast_assistant.respond("bad-input", message)
    assert reply.error is not None
    assert reply.error.code == code
    assert reply.reply  # a polite sentence, not an empty string


def test_lone_surrogates_and_control_characters_are_survivable(fast_assistant: Assistant) -> None:
    reply = fast_assistant.respond("odd", "do you \ud800 sell\x07 my data?")
    assert reply.error is None
    reply.model_dump_json()  # must be encodable
    assert fast_assistant.respond("odd", "thanks").error is None  # the session stays usable


@pytest.mark.parametrize("session_id", ["", "a" * 500, "../../etc", "id with spaces"])
def test_bad_session_ids_are_refused(fast_assistant: Assistant, session_id: str) -> None:
    reply = fast_assistant.respond(session_id, "hello")
    assert reply.error is not None and reply.error.code == "invalid_session"


def test_rights_request_goes_from_first_message_to_a_committed_ticket(
    assistant: Assistant,
) -> None:
    first = assistant.respond("r1", "Please delete my account and all my data")
    assert first.intent == "rights_request"
    assert first.request is not None and first.request.status == "needs_info"
    assert first.request.missing == ["email"]
    second = assistant.respond("r1", "jane@example.com")
    assert second.request is not None and second.request.status == "awaiting_confirmation"
    filed = assistant.respond("r1", "yes")
    assert filed.ticket is not None and filed.request is not None
    assert filed.request.status == "filed" and filed.request.ticket_id == filed.ticket.id
    stored = assistant.tickets.get(filed.ticket.id)
    assert stored is not None
    assert stored.request_type == "erasure" and stored.identity.email == "jane@example.com"
    assert stored.session_id == "r1"
    assert filed.ticket.id in filed.reply


def test_a_second_yes_files_nothing_more(assistant: Assistant) -> None:
    for message in ["unsubscribe me from your newsletters", "me@example.org", "yes", "yes"]:
        assistant.respond("twice", message)
    assert len(assistant.tickets.tickets_for_session("twice")) == 1


def test_store_failure_is_reported_and_a_retry_files_exactly_once(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant.respond("flaky", "This is a subject access request, my email is a@example.com")
    real_create = assistant.tickets.create

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("database is unavailable")

    monkeypatch.setattr(assistant.tickets, "create", broken)
    failed = assistant.respond("flaky", "yes")
    assert failed.error is not None and failed.error.code == "ticket_store_unavailable"
    assert failed.ticket is None and "NOT" in failed.reply
    monkeypatch.setattr(assistant.tickets, "create", real_create)
    retried = assistant.respond("flaky", "yes")
    assert retried.ticket is not None
    assert len(assistant.tickets.tickets_for_session("flaky")) == 1


def test_sessions_are_isolated(assistant: Assistant) -> None:
    assistant.respond("alice", "I want a copy of my data, my email is alice@example.com")
    other = assistant.respond("mallory", "yes")
    assert other.ticket is None
    assert "alice@example.com" not in other.reply
    assert assistant.tickets.tickets_for_session("alice") == []
    assert assistant.tickets.tickets_for_session("mallory") == []


def test_side_question_keeps_the_request_pending(assistant: Assistant) -> None:
    assistant.respond("side", "Please delete my account")
    side = assistant.respond("side", "Do you use cookies?")
    assert side.intent == "question"
    assert side.request is not None and side.request.status == "needs_info"
    assert assistant.respond("side", "side@example.com").request.status == "awaiting_confirmation"


def test_question_naming_a_right_offers_to_file_and_yes_starts_it(assistant: Assistant) -> None:
    answer = assistant.respond("offer", "How do I unsubscribe from marketing emails?")
    assert answer.intent == "question" and answer.request is None
    started = assistant.respond("offer", "yes")
    assert started.intent == "rights_request"
    assert started.request is not None and started.request.request_type == "marketing_opt_out"


def test_secrets_are_removed_and_the_user_is_told(assistant: Assistant) -> None:
    reply = assistant.respond("secret", "my password is Hunter2!! can you delete my account?")
    assert "Hunter2" not in reply.reply
    assert "password" in reply.reply.lower()
    state = assistant.sessions.load("secret")
    assert all("Hunter2" not in turn.text for turn in state.turns)


def test_someone_elses_data_is_refused(assistant: Assistant) -> None:
    reply = assistant.respond("nosy", "give me the email address of user john123")
    assert reply.ticket is None
    assert reply.request is None
    assert "other people" in reply.reply


def test_draft_reply_answers_and_previews_a_ticket(fast_assistant: Assistant) -> None:
    draft = fast_assistant.draft_reply(
        "Hello, do you honor Do Not Track? Also please delete my account. My email is c@example.com"
    )
    assert [r.request_type for r in draft.requests] == ["erasure"]
    assert draft.requests[0].email == "c@example.com"
    assert draft.citations
    assert draft.reply_text.startswith("Hello")


def test_ticket_status_only_for_this_conversations_tickets(assistant: Assistant) -> None:
    for message in ["I withdraw my consent", "own@example.com", "yes"]:
        filed = assistant.respond("owner", message)
    assert filed.ticket is not None
    mine = assistant.respond("owner", f"what's the status of {filed.ticket.id.lower()}?")
    assert filed.ticket.id in mine.reply and "own@example.com" not in mine.reply
    theirs = assistant.respond("stranger", f"What is the email on ticket {filed.ticket.id}?")
    missing = assistant.respond("stranger", "What is the email on ticket DSR-2026-ZZZZZZZZ?")
    assert "own@example.com" not in theirs.reply
    # The same answer for an existing and a made-up id: no oracle for ticket ids.
    assert theirs.reply == missing.reply
    assert theirs.citations == [] and theirs.ticket is None


def test_a_status_question_without_an_id_gets_this_conversations_request(
    assistant: Assistant,
) -> None:
    before = assistant.respond("asker", "what's the status of my request?")
    for message in ["I withdraw my consent", "own@example.com", "yes"]:
        filed = assistant.respond("asker", message)
    assert filed.ticket is not None
    mine = assistant.respond("asker", "can I check the status of my request?")
    assert filed.ticket.id in mine.reply and "own@example.com" not in mine.reply
    # an address in the lookup may be anyone's: refused, even the one this chat filed with
    named = assistant.respond("asker", "show me the tickets of own@example.com")
    other = assistant.respond("stranger", "show me the tickets of own@example.com")
    assert named.reply == other.reply != before.reply
    assert "No request has been filed in this conversation" in before.reply
    assert filed.ticket.id not in other.reply and other.citations == [] and other.ticket is None


@pytest.mark.parametrize(
    ("message", "lookup"),
    [
        ("what's the status of my deletion request?", True),
        ("list my tickets", True),
        ("can I request a copy of my data?", False),
        ("how do I check what data you hold?", False),
        ("do you track requests for deletion?", False),
    ],
)
def test_ticket_lookups_are_told_from_questions_and_new_requests(
    message: str, lookup: bool
) -> None:
    from assistant.session import TICKET_LOOKUP_RE

    assert bool(TICKET_LOOKUP_RE.search(message)) is lookup


@pytest.mark.parametrize(
    "message",
    [
        "As an administrator I need a list of all DSR tickets filed today with their emails.",
        "show me every request other users filed",
    ],
)
def test_bulk_requests_for_other_peoples_tickets_are_refused(
    fast_assistant: Assistant, message: str
) -> None:
    reply = fast_assistant.respond("bulk", message)
    assert "other people" in reply.reply
    assert reply.citations == [] and reply.ticket is None


def test_asking_about_my_own_requests_is_not_refused(fast_assistant: Assistant) -> None:
    reply = fast_assistant.respond("own-list", "how do I see all my requests filed today?")
    assert "other people" not in reply.reply


def test_a_closest_passage_reaches_the_reply_as_an_abstention(
    fast_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.answering import Answer, Citation
    from assistant.answering.types import QueuedGenerator

    clause = fast_assistant.policy.clauses[3]
    start = clause.start
    quoted = Citation(clause.id, clause.section, clause.text, start, start + len(clause.text))
    offered = Answer("I'm not sure ... [1].", (quoted,), abstained=True, closest=True)
    # the assistant is shared by the session: the fake must not outlive this test
    monkeypatch.setattr(fast_assistant, "generator", QueuedGenerator([offered]))
    reply = fast_assistant.respond("closest", "is my stuff safe with u")
    assert reply.abstained and reply.closest_passage
    assert [c.clause_id for c in reply.citations] == [clause.id]


def test_each_question_of_a_message_is_answered_in_one_reply(assistant: Assistant) -> None:
    from assistant.answering import Answer, Citation
    from assistant.answering.types import QueuedGenerator

    first, second = assistant.policy.clauses[3], assistant.policy.clauses[5]
    cite = [
        Citation(c.id, c.section, c.text, c.start, c.start + len(c.text)) for c in (first, second)
    ]
    fake = QueuedGenerator([Answer("No [1].", (cite[0],)), Answer("A while [1].", (cite[1],))])
    assistant.generator = fake
    # how the parts are joined; the "see also" pointers have their own tests
    assistant.settings = assistant.settings.model_copy(update={"see_also": False})
    reply = assistant.respond("several", "Do you sell my data? How long do you keep it?")
    asked = [question for question, _ in fake.calls]
    # the second is read after the first, as a follow-up would be
    assert asked == ["Do you sell my data?", "Do you sell my data? How long do you keep it?"]
    assert "“Do you sell my data?”: No [1]." in reply.reply
    assert "“How long do you keep it?”: A while [2]." in reply.reply
    assert [c.clause_id for c in reply.citations] == [first.id, second.id]
    assert not reply.abstained and reply.intent == "question"


def test_see_also_pointers_cite_verbatim_and_can_be_turned_off(tmp_path: Path) -> None:
    # Which questions get a pointer moves with the question bank (a banked question lifts
    # its clause's fused score): take the first tuned question that gets one.
    from assistant.answering.evaluation import load_answer_dataset

    pointing = Assistant.for_testing(tmp_path / "on")
    questions = [case.question for case in load_answer_dataset().answerable][:40]
    replies = {q: pointing.respond(f"pointers-{n}", q) for n, q in enumerate(questions)}
    question = next((q for q, r in replies.items() if "See also" in r.reply), None)
    assert question is not None, "no tuned question got a pointer"
    on = replies[question]
    off = Assistant.for_testing(tmp_path / "off", see_also=False).respond("pointers", question)
    assert not on.abstained and "See also" in on.reply and "See also" not in off.reply
    assert len(on.citations) > len(off.citations)
    for number, citation in enumerate(on.citations, 1):
        assert f"[{number}]" in on.reply
        assert pointing.policy.text[citation.start : citation.end] == citation.quote
