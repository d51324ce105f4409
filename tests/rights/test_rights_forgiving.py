"""A request flow that forgives people: values from the first message, each value checked
for its field's kind, cancel in natural words at any step, restart after a cancel, parents
asking in their own words, self-service routes, and passwords stated in words."""

from __future__ import annotations

import pytest

from assistant.policy import load_policy
from assistant.rights import advance, detect_request, dump_state, opening_step, start
from assistant.rights.answers import is_affirmative, is_cancel
from assistant.rights.secrets import scrub_stated_passwords
from assistant.rights.slots import field_kind, fit_value
from assistant.rights.templates import wording
from assistant.rights.text import clean, normalise
from assistant.tickets import RequestType

from .dataset import load


def begin(message: str):  # type: ignore[no-untyped-def]
    detection = detect_request(message)
    assert detection is not None and not detection.other_person, message
    state = start(detection)
    return state, opening_step(state)


# --- values and their kinds -----------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "fix my phone number to +44 7700 900123",
        "my phone number is wrong, fix it to +44 7700 900123",
        "fix it to +44 7700 900123",
        "I need to update my phone number. it should be +44 7700 900123",
    ],
)
def test_the_value_in_the_first_message_is_used(message: str) -> None:
    state, step = begin(message)
    assert state.request_type is RequestType.RECTIFICATION
    assert state.slots["correction_what"] == "phone number"
    assert state.slots["correction_value"] == "+44 7700 900123"
    assert step.slot == "email"  # only the email is left to ask, once
    step = advance(state, "jane@example.com")
    assert step.kind == "confirm" and state.slots["email"] == "jane@example.com"
    assert "phone" not in state.slots  # the new number is not the account's identity phone


def test_an_email_is_never_saved_as_a_phone_number() -> None:
    state, step = begin("please correct my phone number")
    assert step.slot == "correction_value"
    step = advance(state, "jane@example.com")
    assert "correction_value" not in state.slots and state.slots["email"] == "jane@example.com"
    assert step.slot == "correction_value"
    step = advance(state, "+44 7700 900123")
    assert step.kind == "confirm" and state.slots["correction_value"] == "+44 7700 900123"


def test_a_phone_number_is_never_saved_as_an_email() -> None:
    state, step = begin("please correct my email address")
    step = advance(state, "+44 7700 900123")
    assert "correction_value" not in state.slots
    assert step.slot == "correction_value" and "doesn't look like" in step.message
    step = advance(state, "new.me@example.com")
    assert state.slots["correction_value"] == "new.me@example.com"
    assert step.slot == "email"  # the new address is not taken for the contact address
    step = advance(state, "+44 7700 900123")
    assert step.slot == "email" and "email" not in state.slots


def test_a_bad_new_address_is_asked_for_again() -> None:
    state, _ = begin("please correct my email address")
    step = advance(state, "jane@@example")
    assert step.slot == "correction_value" and "doesn't look right" in step.message
    assert "correction_value" not in state.slots and "email" not in state.slots


@pytest.mark.parametrize(
    ("field", "value", "fits"),
    [
        ("phone number", "+44 7700 900123", "+44 7700 900123"),
        ("phone number", "jane@example.com", None),
        ("phone number", "Smith", None),
        ("email address", "Jane@Example.com", "Jane@example.com"),
        ("email", "+44 7700 900123", None),
        ("surname", "Kowalski", "Kowalski"),
        ("surname", "jane@example.com", None),
        ("last name", "07700900123", None),
        ("date of birth", "12 March 1990", "12 March 1990"),
        ("date of birth", "yesterday-ish", None),
        ("billing address", "1 High St, London", "1 High St, London"),
        ("surname", "Smith [REDACTED:password]", None),
    ],
)
def test_each_value_is_checked_for_its_field(field: str, value: str, fits: str | None) -> None:
    assert fit_value(field, value) == fits


def test_field_kinds() -> None:
    kinds = {f: field_kind(f) for f in ("e-mail address", "mobile number", "dob", "first name")}
    assert kinds == {
        "e-mail address": "email",
        "mobile number": "phone",
        "dob": "date",
        "first name": "name",
    }
    assert field_kind(None) == "text" and field_kind("address") == "text"


# --- cancel and restart -----------------------------------------------------------------

CANCELS = [
    "never mind",
    "forget it",
    "cancel",
    "nevermind, thanks",
    "nah forget it",
    "oh never mind, I'll do it later",
    "forget about it",
    "don't bother",
    "I don't want to file this",
    "please cancel",
    "scratch that",
]


@pytest.mark.parametrize("words", CANCELS)
@pytest.mark.parametrize(
    "opening",
    [
        "please correct my phone number",  # asks the value
        "Please delete my account",  # asks the email
        "my son is 14 and made an account, please delete it",  # asks the child's account
        "Please delete my account, my email is c@example.com",  # at confirmation
    ],
)
def test_cancel_in_natural_words_at_each_step(opening: str, words: str) -> None:
    state, _ = begin(opening)
    step = advance(state, words)
    assert (step.kind, state.status) == ("cancelled", "cancelled"), (opening, words)
    assert "Nothing was filed" in step.message


@pytest.mark.parametrize("text", ["cancel my account", "cancel my marketing emails", "yes"])
def test_requests_that_start_with_cancel_are_not_a_cancel(text: str) -> None:
    assert not is_cancel(normalise(clean(text)))


def test_never_mind_with_a_new_request_switches_to_it() -> None:
    state, _ = begin("please correct my phone number")
    step = advance(state, "never mind, just unsubscribe me from your newsletters")
    assert step.kind == "switch" and step.detection is not None
    assert step.detection.request_type is RequestType.MARKETING_OPT_OUT


@pytest.mark.parametrize(
    ("text", "yes"),
    [
        ("file it", True),
        ("actually file it", True),
        ("ok, file it after all", True),
        ("on second thought, file it", True),
        ("I changed my mind, file it", True),
        ("I changed my mind", False),
        ("yes but my email is a@b.com", False),
        ("do not file it", False),
    ],
)
def test_restart_phrases(text: str, yes: bool) -> None:
    assert is_affirmative(normalise(clean(text))) is yes


# --- parents of minors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "my son is 14 and made an account on workallies... how do I get his stuff deleted??",
        "My daughter (15) signed up last week. How can I have her account removed?",
        "my kid is a minor and has a profile, how do i delete his account",
        "my 16 year old made a profile - can you take down her profile?",
    ],
)
def test_parents_are_recognised_in_their_own_words(message: str) -> None:
    state, step = begin(message)
    assert state.request_type is RequestType.MINOR_DATA_DELETION
    assert state.slots.get("requester_role") in ("parent_guardian", None)
    assert "linked to the WorkAllies account" not in step.message


@pytest.mark.parametrize(
    "message",
    [
        "how do I get my data deleted?",
        "how do I get her account deleted?",  # not a named child
        "my son is 20, how do I get his account deleted?",  # an adult
        "Do you delete accounts of minors?",
        "my son is 14, how long do you keep his data?",
        "what happens to my son's data if he is 15?",
    ],
)
def test_parents_questions_that_are_not_requests(message: str) -> None:
    assert detect_request(message) is None


def test_parents_are_asked_in_plain_words() -> None:
    state, step = begin("my son is 14 and made an account, how do I get his stuff deleted??")
    assert step.slot == "child_account" and "your child's username" in step.message
    step = advance(state, "gamer_kid14")
    assert step.slot == "email" and "your own email" in step.message.lower()
    assert "linked to the WorkAllies account" not in step.message
    step = advance(state, "parent@example.com")
    assert step.kind == "confirm" and state.slots["child_account"] == "gamer_kid14"


def test_the_hard_negatives_stay_clean() -> None:
    started = []
    for case in load().cases:
        detection = detect_request(case.message) if case.expected_type is None else None
        if detection is not None and not detection.other_person:
            started.append(case.message)
    assert started == []


# --- self-service routes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "route"),
    [
        ("stop sending me marketing emails", "unsubscribe link"),
        ("please update my surname to Kowalski", "account profile page"),
    ],
)
def test_self_service_route_is_named_next_to_the_request(message: str, route: str) -> None:
    _state, step = begin(message)
    assert route in step.message


def test_self_service_quotes_are_the_policy_verbatim(policy_path) -> None:  # type: ignore[no-untyped-def]
    policy = " ".join(load_policy(policy_path).text.split())
    for text in wording().self_service.values():
        quotes = [q for i, q in enumerate(" ".join(text.split()).split('"')) if i % 2]
        assert quotes, text
        for quote in quotes:
            assert quote in policy, quote


# --- passwords stated in words ----------------------------------------------------------

STATED = [
    ("please delete my account, my bank login is correcthorsebatterystaple", "correcthorse"),
    ("delete my account. pw: Tr0ub4dor&3 thanks", "Tr0ub4dor"),
    ("please delete my account, the password for my email is s3cr3tPass", "s3cr3tPass"),
    ("please delete my account, login: hunter2hunter2", "hunter2hunter2"),
]


@pytest.mark.parametrize(("message", "secret"), STATED)
def test_passwords_stated_in_words_are_masked(message: str, secret: str) -> None:
    masked, found = scrub_stated_passwords(message)
    assert found and secret not in masked


@pytest.mark.parametrize(("message", "secret"), STATED)
def test_passwords_stated_in_words_are_never_a_slot(message: str, secret: str) -> None:
    detection = detect_request(message)
    assert detection is not None and secret not in repr(detection.slots)
    state, _ = begin("Please delete my account")
    step = advance(state, message.split(",", 1)[-1])
    assert secret not in repr(dump_state(state)) and secret not in step.message


def test_logins_that_are_not_passwords_stay() -> None:
    for text in ("my login email is jane@example.com", "my login is jane@example.com"):
        assert scrub_stated_passwords(text) == (text, False)
    detection = detect_request("delete my account, login name is bob_1")
    assert detection is not None and detection.slots.get("username") == "bob_1"
