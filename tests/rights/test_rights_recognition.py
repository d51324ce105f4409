"""Recognition over the labelled dataset, with the quality bar asserted per split."""

from __future__ import annotations

import pytest

from assistant.language import lexicon
from assistant.rights import Detection, detect_request, mentions_other_person, suggest_request
from assistant.tickets import RequestType

from .dataset import Split, load, score, slot_matches, ticket_type

MIN_ACCURACY = 0.97
MAX_FALSE_TICKET_RATE = 0.02


def test_dataset_is_big_varied_and_split() -> None:
    data = load()
    requests = [c for c in data.cases if c.expected_type is not None]
    questions = [c for c in data.cases if c.expected_type is None]
    assert len(data.cases) >= 100
    assert len(requests) >= 60 and len(questions) >= 40
    assert {c.expected_type for c in requests} == set(RequestType)
    assert {s.expect_type for s in data.scripts} == set(RequestType)
    heldout = sum(c.split == "heldout" for c in data.cases) / len(data.cases)
    assert heldout >= 0.25  # blind batches; see the header of the dataset
    assert len({c.message for c in data.cases}) == len(data.cases), "duplicate messages"


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_type_accuracy_and_false_tickets(split: Split) -> None:
    result = score(split)
    assert result.accuracy >= MIN_ACCURACY, "\n".join(result.errors)
    assert result.false_ticket_rate <= MAX_FALSE_TICKET_RATE, "\n".join(result.errors)


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_slots_read_from_the_first_message(split: Split) -> None:
    wrong = []
    for case in load().cases:
        if case.split != split or not case.expected_slots:
            continue
        detection = detect_request(case.message)
        if ticket_type(detection) != case.expected_type or detection is None:
            continue  # a type miss is already counted above
        for slot, expected in case.expected_slots.items():
            actual = detection.slots.get(slot)
            if not slot_matches(slot, expected, actual):
                wrong.append(f"{slot}: expected {expected!r}, got {actual!r} in {case.message!r}")
    assert not wrong, "\n".join(wrong)


def test_other_people_s_data_is_flagged_never_a_ticket() -> None:
    flagged = [c for c in load().cases if c.expected_other_person]
    assert flagged
    for case in flagged:
        detection = detect_request(case.message)
        assert detection is not None and detection.other_person, case.message
        assert mentions_other_person(case.message)
    assert not mentions_other_person("my 15 year old son made an account, delete it")


@pytest.mark.parametrize(
    "message",
    [
        "Please delete my account and all my data",
        "unsubscribe me from your newsletters",
        "I object to you profiling me",
    ],
)
def test_detection_shape(message: str) -> None:
    detection = detect_request(message)
    assert isinstance(detection, Detection)
    assert 0.0 < detection.confidence <= 1.0
    assert detection.evidence and not detection.other_person


def test_questions_rank_below_requests_in_confidence() -> None:
    polite = detect_request("could you delete my account?")
    direct = detect_request("This is a formal erasure request: delete my account.")
    assert polite is not None and direct is not None
    assert direct.confidence >= polite.confidence


@pytest.mark.parametrize(
    "message",
    ["", "   ", "?", "yes", "my email is jane@example.com", "thanks!", "\x00\x01"],
)
def test_no_request_in_fragments(message: str) -> None:
    assert ticket_type(detect_request(message)) is None


def test_rectification_keeps_the_users_casing() -> None:
    detection = detect_request("please update my surname from Kowalsky to McKowalski-Ng")
    assert detection is not None
    assert detection.slots["correction_value"] == "McKowalski-Ng"


# Questions about a right's limits or consequences: a request verb inside a conditional
# or temporal clause, or a statement closed by a tag asking to confirm it.
@pytest.mark.parametrize(
    "message",
    [
        "even if i request that you wipe my profile, would some of it stay on file?",
        "after i ask you to remove my data can you still hold on to my invoices",
        "once i demand erasure, do you keep anything for tax reasons?",
        "even if i unsubscribe, will i still get emails about my gigs?",
        "you only process my data for ads when i agreed to it, correct?",
        "you stop the promo emails as soon as i opt out, correct me if i am wrong",
    ],
)
def test_questions_about_a_rights_limits_start_no_request(message: str) -> None:
    assert ticket_type(detect_request(message)) is None


# A question about what follows the user's own action (after/once/when/as soon as ... I
# do it) asks about consequences, not for anything to be done; nor does a yes/no question
# asking whether contact *will* go on.
@pytest.mark.parametrize(
    "message",
    [
        "after I unsubscribe, will I still get emails?",
        "will I still receive newsletters after I delete my account?",
        "once I've unsubscribed, will I keep getting promotional emails?",
        "when i unsubscribe do i still get the weekly digest?",
        "will you keep emailing me once I opt out?",
        "after unsubscribing, would I still receive offers?",
        "do you keep texting me until I opt out?",
        "what happens after I unsubscribe? will I still get emails about my gigs?",
    ],
)
def test_questions_about_what_follows_my_action_start_no_request(message: str) -> None:
    assert ticket_type(detect_request(message)) is None


# Contact the policy keeps apart from marketing ("Administrative communication"): a
# complaint about it is no opt-out and earns no offer of one; marketing named beside it is.
@pytest.mark.parametrize(
    "message",
    [
        "why do i keep getting these admin emails about the service, what are they for",
        "why do you keep sending me account notifications?",
        "i still get security emails every time i log in",
    ],
)
def test_complaints_about_service_contact_ask_no_marketing_opt_out(message: str) -> None:
    assert ticket_type(detect_request(message)) is None
    assert suggest_request(message) is None


def test_marketing_named_beside_service_contact_still_opts_out() -> None:
    message = "i keep getting account emails and newsletters, unsubscribe me"
    assert ticket_type(detect_request(message)) is RequestType.MARKETING_OPT_OUT


# The same words as a report of what already happened, a complaint, or a request beside
# the temporal clause still start one.
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("unsubscribe me, I still get emails after I asked", RequestType.MARKETING_OPT_OUT),
        ("why do I still get emails after I unsubscribed?", RequestType.MARKETING_OPT_OUT),
        ("why do i keep getting promos after i opt out?", RequestType.MARKETING_OPT_OUT),
        ("when I log in I still get marketing pop-ups", RequestType.MARKETING_OPT_OUT),
        (
            "before I delete my account, can you send me a copy of my data?",
            RequestType.ACCESS,
        ),
        ("once I close my account, delete everything you hold on me", RequestType.ERASURE),
    ],
)
def test_reports_and_requests_beside_a_temporal_clause_still_start(
    message: str, expected: RequestType
) -> None:
    assert ticket_type(detect_request(message)) is expected


# "I don't want X done with my data" objects to that processing, whoever or whatever does
# it; the words around it name the right (the policy: "You can object to automated
# decision-making or profiling").
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("i do not want algorithms deciding things about me", RequestType.OBJECTION),
        (
            "I don't want a computer making decisions about my job applications",
            RequestType.OBJECTION,
        ),
        ("I don't want you to make automated decisions about me", RequestType.OBJECTION),
        ("i dont want software ranking me against other freelancers", RequestType.OBJECTION),
        ("I no longer want my activity analysed to build a profile of me", RequestType.OBJECTION),
        ("I don't want my data used for targeted ads", RequestType.MARKETING_OPT_OUT),
    ],
)
def test_not_wanting_something_done_with_my_data_objects_to_it(
    message: str, expected: RequestType
) -> None:
    assert ticket_type(detect_request(message)) is expected


# ... but asking about it, supposing it, or not wanting a right's own outcome is no request.
@pytest.mark.parametrize(
    "message",
    [
        "do you use algorithms to decide things about me?",
        "what if I don't want algorithms deciding things about me?",
        "Are decisions about my applications made by a computer?",
        "I don't want my account deleted",
        "I don't want you to remove my reviews when I close my profile, is that possible?",
        "I don't want anything to change, I just have a question",
    ],
)
def test_asking_about_or_refusing_processing_is_no_objection(message: str) -> None:
    assert ticket_type(detect_request(message)) is None


# Requests worded as questions still start one, whatever the question after them asks.
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("could i have a copy of all the records you store about me?", RequestType.ACCESS),
        (
            "my address is out of date and my phone is missing, can you correct it",
            RequestType.RECTIFICATION,
        ),
        (
            "i want you to erase my whole account. am i allowed to insist on that?",
            RequestType.ERASURE,
        ),
        ("i don't want you profiling me with algorithms, can i object?", RequestType.OBJECTION),
        (
            "My surname is misspelled on my profile. Can I have that corrected?",
            RequestType.RECTIFICATION,
        ),
        ("correct my surname, it is spelled wrong", RequestType.RECTIFICATION),
        ("i want my data deleted even if you have to keep invoices", RequestType.ERASURE),
    ],
)
def test_requests_worded_as_questions_still_start(message: str, expected: RequestType) -> None:
    assert ticket_type(detect_request(message)) is expected


def test_a_question_about_what_follows_a_right_gets_no_offer() -> None:
    assert suggest_request("if i ask for my account to be erased, is every record gone?") is None
    assert suggest_request("after i opt out of marketing, do you keep my email?") is None
    # Wanting to act is a how-to question's preface: the offer stays.
    assert suggest_request("if i want to delete my account, how do i do it?") is RequestType.ERASURE
    assert suggest_request("can i delete my account?") is RequestType.ERASURE


# Every conditional or temporal subordinator of the lexicon keeps a request verb after it
# from being performed, and keeps a question after the user's own action a question.
@pytest.mark.parametrize("subordinator", sorted(lexicon().subordinators))
def test_every_subordinator_suspends_the_request_after_it(subordinator: str) -> None:
    supposed = f"{subordinator} i request erasure of my data, do you keep my invoices?"
    assert ticket_type(detect_request(supposed)) is None
    consequence = f"{subordinator} i unsubscribe will i still get emails?"
    assert ticket_type(detect_request(consequence)) is None


@pytest.mark.parametrize(
    ("message", "other"),
    [
        ("can you share my info to protect other people's safety", False),
        ("do you check other people's reviews for fraud?", False),
        ("show me someone else's data", True),
        ("give me another user's email address", True),
        ("i want somebody else's profile", True),
    ],
)
def test_another_persons_data_is_what_they_own_not_anything_of_theirs(
    message: str, other: bool
) -> None:
    assert mentions_other_person(message) is other
