"""The slot-filling / confirmation flow: scripted conversations and the edge cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.rights import (
    FlowStep,
    RequestInProgress,
    advance,
    detect_request,
    dump_state,
    filed_message,
    load_state,
    mentions_other_person,
    opening_step,
    policy_query,
    resume_prompt,
    start,
    to_draft,
)
from assistant.tickets import Channel, RequesterRole, RequestType

from .dataset import Script, load, slot_matches

try:  # the store is moving to its own module; accept either home
    from assistant.ticket_store import TicketStore  # type: ignore[import-not-found,unused-ignore]
except ModuleNotFoundError:
    from assistant.tickets import TicketStore  # type: ignore[attr-defined,no-redef,unused-ignore]


def begin(message: str) -> tuple[RequestInProgress, FlowStep]:
    detection = detect_request(message)
    assert detection is not None and not detection.other_person, message
    state = start(detection)
    return state, opening_step(state)


def confirmed(message: str) -> RequestInProgress:
    """A request that reached the confirmation summary."""
    state, step = begin(message)
    assert step.kind == "confirm", step
    return state


@pytest.mark.parametrize("script", load().scripts, ids=lambda s: s.name)
def test_scripted_conversation(script: Script) -> None:
    state, step = begin(script.turns[0].user)
    for index, turn in enumerate(script.turns):
        if index:
            step = advance(state, turn.user)
            if step.kind == "filed_ready":  # what the session does after the store commits
                state.status, state.ticket_id = "filed", "DSR-2026-TESTTEST"
            elif step.kind == "switch":
                assert step.detection is not None
                state = start(step.detection)
                opening_step(state)
        where = f"turn {index} ({turn.user!r}): {step}"
        assert state.status == turn.expect_status, where
        if turn.expect_missing is not None:
            assert state.missing == turn.expect_missing, where
        if turn.expect_step is not None:
            assert step.kind == turn.expect_step, where
    assert state.request_type == script.expect_type
    for slot, expected in script.expect_slots.items():
        assert slot_matches(slot, expected, state.slots.get(slot)), (slot, state.slots)


def test_invalid_email_is_asked_again_with_the_reason() -> None:
    state, _ = begin("Please delete my account")
    step = advance(state, "jane@@example")
    assert (step.kind, step.slot, state.status) == ("asked", "email", "needs_info")
    assert "@" in step.message and "email" not in state.slots
    assert "doesn't look right" in step.message  # the reason, then the question again
    step = advance(state, "jane@example")  # no dot in the domain
    assert step.kind == "asked" and "email" not in state.slots


def test_an_answer_without_any_address_is_asked_again() -> None:
    state, _ = begin("Please delete my account")
    step = advance(state, "the one I signed up with")
    assert step.kind == "asked" and step.slot == "email"
    assert "name@example.com" in step.message


@pytest.mark.parametrize("reply", ["no", "Cancel", "never mind", "stop", "cancel the request"])
def test_cancel_at_confirmation(reply: str) -> None:
    state = confirmed("Please delete my account, my email is x.y@example.com")
    step = advance(state, reply)
    assert step.kind == "cancelled" and state.status == "cancelled"
    assert "Nothing was filed" in step.message
    assert advance(state, "yes").kind == "not_for_me"  # a cancelled request stays cancelled
    with pytest.raises(ValueError, match="not ready"):
        to_draft(state, "s1")


def test_cancel_while_collecting_details() -> None:
    state, _ = begin("I withdraw my consent")
    assert advance(state, "forget it").kind == "cancelled"


@pytest.mark.parametrize(
    "reply", ["yes", "y", "Yes please!", "confirm", "correct", "go ahead", "ok, go ahead thanks"]
)
def test_confirmation_words(reply: str) -> None:
    state = confirmed("unsubscribe me, my email is li.wei@example.cn")
    assert advance(state, reply).kind == "filed_ready"
    assert state.status == "awaiting_confirmation"  # filed only once the store commits


def test_correction_at_confirmation_resummarises() -> None:
    state = confirmed("Please delete my account, my email is jane@example.com")
    step = advance(state, "actually use jane@x.org")
    assert step.kind == "confirm" and state.status == "awaiting_confirmation"
    assert state.slots["email"] == "jane@x.org"
    assert "jane@x.org" in step.message and "jane@example.com" not in step.message
    step = advance(state, "yes but my username is jdoe_77")  # not a bare yes: an update
    assert step.kind == "confirm" and state.slots["username"] == "jdoe_77"


@pytest.mark.parametrize(
    "message",
    [
        "How long do you keep invoices?",
        "what does profiling mean?",
        "do you sell data",
        # a label before the question hid its shape (blind batch 9, a topic change)
        "new q: will you tell me when the policy changes",
        "different question - whats the minimum age",
        # the question in the middle, a statement after it (blind batch 18)
        "ok unrelated but is my data sent to the US? im in spain",
    ],
)
def test_unrelated_message_while_pending_is_not_for_me(message: str) -> None:
    for state in (begin("Please delete my account")[0], confirmed("unsubscribe me, a@b.co")):
        before = dump_state(state)
        step = advance(state, message)
        assert step.kind == "not_for_me" and step.message == ""
        assert dump_state(state) == before  # the request waits, untouched
        assert "still" in resume_prompt(state)


def test_a_fragment_with_a_question_mark_still_answers_the_question_asked() -> None:
    state, step = begin("my last name is misspelled in my account")
    assert step.kind == "asked" and state.asked == "correction_value"
    step = advance(state, "my last name? its spelled smith not smyth")
    assert step.kind == "asked" and "smith" in state.slots["correction_value"]


def test_resume_prompt_repeats_the_pending_question() -> None:
    state, step = begin("my last name is misspelled")
    assert "What should your last name say instead?" in step.message
    assert "What should your last name say instead?" in resume_prompt(state)


SECRETS = ("Hunter2!xyz", "4111 1111 1111 1111", "4111111111111111", "s3cr3tPass")


@pytest.mark.parametrize(
    ("opening", "answer"),
    [
        ("I withdraw my consent", "my password is Hunter2!xyz and my email is c.d@example.com"),
        ("my name is misspelled", "it should be 4111 1111 1111 1111"),
        ("I want to object to the processing of my data", "password: s3cr3tPass"),
        ("delete my son's account, he is 14", "his login is kid_1, pwd: s3cr3tPass"),
        ("Please delete my account", "card 4111111111111111 email c.d@example.com"),
    ],
)
def test_secrets_never_land_in_slots(opening: str, answer: str) -> None:
    state, _ = begin(opening)
    step = advance(state, answer)
    assert step.notice and "password" in step.notice.lower()
    stored = repr(dump_state(state))
    assert not any(secret in stored for secret in SECRETS), stored
    assert not any(secret in step.message for secret in SECRETS)


def test_secrets_in_the_first_message_never_land_in_slots() -> None:
    detection = detect_request("delete my account, my password is hunter22, username bob_1")
    assert detection is not None
    assert detection.slots.get("username") == "bob_1"
    assert "hunter22" not in repr(detection.slots)


def test_no_to_an_optional_question_skips_it() -> None:
    state, step = begin("my 15 year old son made an account, delete it")
    assert step.slot == "child_account"
    step = advance(state, "no")
    assert step.kind == "asked" and step.slot == "email" and state.status == "needs_info"


def test_child_account_given_as_an_email_is_not_the_contact_email() -> None:
    state, _ = begin("my 15 year old son made an account, delete it")
    advance(state, "kid.account@example.com")
    assert state.slots["child_account"] == "kid.account@example.com"
    assert "email" not in state.slots


def test_switch_carries_contact_details() -> None:
    state, _ = begin("Please delete my account, username jdoe_77")
    step = advance(state, "actually, just unsubscribe me from the newsletter instead")
    assert step.kind == "switch" and step.detection is not None
    assert step.detection.request_type is RequestType.MARKETING_OPT_OUT
    assert step.detection.slots["username"] == "jdoe_77"


def test_restating_the_same_request_repeats_the_question() -> None:
    state, first = begin("delete my account")
    again = advance(state, "please just delete my account!")
    assert again.kind == "asked" and again.message == first.message.split(". ", 1)[-1]


PLAIN_WORDS = {
    RequestType.ACCESS: "copy of the personal data",
    RequestType.PORTABILITY: "machine-readable",
    RequestType.RECTIFICATION: 'correct your surname to "Smith"',
    RequestType.ERASURE: "delete your account",
    RequestType.RESTRICTION: "restrict",
    RequestType.OBJECTION: "objecting to WorkAllies processing your personal data for: profiling",
    RequestType.MARKETING_OPT_OUT: "direct marketing",
    RequestType.CONSENT_WITHDRAWAL: "withdrawing the consent",
    RequestType.MINOR_DATA_DELETION: "under 18",
}


def test_confirmation_summary_says_what_who_identity_and_one_month() -> None:
    for kind in RequestType:
        state = RequestInProgress(kind, status="awaiting_confirmation")
        state.slots.update(
            email="p@example.com",
            correction_what="surname",
            correction_value="Smith",
            objection_grounds="profiling",
            requester_role="parent_guardian",
            child_account="kid_1",
        )
        text = advance(state, "hmm").message  # an unclear reply shows the summary again
        assert "p@example.com" in text, kind
        assert "verify your identity" in text and "within one month" in text, kind
        assert PLAIN_WORDS[kind] in text, kind  # the type, in plain words


def _complete(kind: RequestType) -> RequestInProgress:
    slots = {"email": "p@example.com", "username": "pat_1", "phone": "+44 7700 900123"}
    extra = {
        RequestType.RECTIFICATION: {"correction_what": "surname", "correction_value": "Smith"},
        RequestType.OBJECTION: {"objection_grounds": "profiling for job matches"},
        RequestType.MINOR_DATA_DELETION: {
            "requester_role": "authorized_agent",
            "requester_note": "his football coach",
            "child_account": "kid_1",
        },
    }.get(kind, {})
    state = RequestInProgress(kind, slots={**slots, **extra}, cited_clause_ids=["c-1"])
    state.status = "awaiting_confirmation"
    return state


@pytest.mark.parametrize("kind", list(RequestType))
def test_to_draft_is_accepted_by_the_ticket_store(kind: RequestType, data_dir: Path) -> None:
    state = _complete(kind)
    draft = to_draft(state, "session-1", Channel.AGENT_CONSOLE, ("c-9",))
    assert draft.request_id == state.request_id and re.fullmatch(r"[0-9a-f]{32}", draft.request_id)
    assert (draft.request_type, draft.email, draft.channel) == (
        kind,
        "p@example.com",
        draft.channel,
    )
    assert draft.cited_clause_ids == ("c-9",)
    minor = kind is RequestType.MINOR_DATA_DELETION
    assert draft.subject_is_minor is minor
    if minor:
        assert draft.requester_role is RequesterRole.AUTHORIZED_AGENT
        assert draft.child_account == "kid_1" and "football coach" in (draft.details or "")
    if kind is RequestType.RECTIFICATION:
        assert [(c.what, c.correct_value) for c in draft.corrections] == [("surname", "Smith")]
    if kind is RequestType.OBJECTION:
        assert "profiling for job matches" in (draft.details or "")
    with TicketStore(f"sqlite:///{data_dir / 'tickets.sqlite3'}") as store:
        ticket = store.create(draft)
        assert store.create(draft).id == ticket.id  # same request_id, same ticket
    message = filed_message(state, ticket)
    assert ticket.id in message and "p@example.com" in message and "one month" in message


def test_to_draft_refuses_an_incomplete_request() -> None:
    state, _ = begin("my last name is misspelled, it should be Smith")
    with pytest.raises(ValueError, match="email"):
        to_draft(state, "s1")


def test_state_survives_a_round_trip_and_rejects_tampering() -> None:
    state, _ = begin("my 15 year old son made an account, delete it")
    state.cited_clause_ids = ["children-1"]
    data = dump_state(state)
    assert load_state(data) == state
    with pytest.raises(ValueError):
        load_state({**data, "unexpected": 1})
    with pytest.raises(ValueError):
        load_state({**data, "request_id": "not-hex"})


def test_start_refuses_another_persons_data() -> None:
    detection = detect_request("give me the email of user john123")
    assert detection is not None and detection.other_person
    with pytest.raises(ValueError):
        start(detection)


@pytest.mark.parametrize(
    ("message", "someone_else"),
    [
        ("will you ask before using my info for other purposes than the ones listed?", False),
        ("is my data for other services kept apart?", False),
        ("give me the data of other users on my team", True),
        ("what information for another person do you hold", True),
        # a team of the company's, not a person (blind 19: refused as someone else's data)
        ("whats the phone number for customer support", False),
        ("whats the phone number for customer jdoe", True),
    ],
)
def test_other_only_means_someone_else_with_a_person_after_it(
    message: str, someone_else: bool
) -> None:
    assert mentions_other_person(message) is someone_else


@pytest.mark.parametrize(
    ("message", "opt_out"),
    [
        ("can you send me promo text messages", False),
        ("send me your newsletter", False),
        ("please send me no more marketing emails", True),
        ("can you stop sending me promo texts", True),
    ],
)
def test_asking_to_be_sent_marketing_is_no_opt_out(message: str, opt_out: bool) -> None:
    detection = detect_request(message)
    found = detection is not None and detection.request_type is RequestType.MARKETING_OPT_OUT
    assert found is opt_out


def test_every_type_has_a_policy_query() -> None:
    for kind in RequestType:
        assert policy_query(RequestInProgress(kind)).strip()
