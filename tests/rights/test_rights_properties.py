"""Robustness: recognition and the flow never raise, on any text, in bounded time."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scaling import FACTOR, LINEAR_LIMIT, growth

from assistant.rights import RequestInProgress, advance, detect_request, resume_prompt
from assistant.rights.state import refresh
from assistant.rights.text import words
from assistant.tickets import RequestType

# Words the rules react to, mixed with hostile characters, reach deeper than random text.
_VOCAB = [
    "password is hunter2",
    "4111 1111 1111 1111",
    *sorted(
        words(
            "please delete my account data copy of everything you have on me i want to withdraw "
            "consent object profiling unsubscribe newsletter stop until my son is 15 it should be "
            "name surname email is jane@example.com a@@b "
            "can you could i if how what ? , . ; - ' \" ( ) @ : \n \t \x00 \x7f \u200b "
            "\ud800 \udfff "
            "\u2019 \u2014 \ufeff \U0001f44d yes no skip cancel never mind +44 7700 900123"
        )
    ),
]
_ANY_CHAR = st.characters(codec=None, exclude_categories=())  # surrogates and controls too
MESSAGES = st.one_of(
    st.text(alphabet=_ANY_CHAR, max_size=300),
    st.lists(st.sampled_from(_VOCAB), max_size=60).map(" ".join),
)


def _pending(kind: RequestType, awaiting: bool) -> RequestInProgress:
    state = RequestInProgress(kind)
    if awaiting:
        state.slots.update(
            email="p@example.com",
            correction_what="surname",
            correction_value="Smith",
            objection_grounds="profiling",
            requester_role="parent_guardian",
            child_account="kid_1",
        )
    refresh(state)
    state.asked = state.missing[0] if state.missing else None
    return state


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=MESSAGES)
def test_detect_request_never_raises(message: str) -> None:
    detection = detect_request(message)
    if detection is not None:
        assert 0.0 <= detection.confidence <= 1.0
        assert all(isinstance(v, str) and v for v in detection.slots.values())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    message=MESSAGES,
    kind=st.sampled_from(list(RequestType)),
    awaiting=st.booleans(),
)
def test_advance_never_raises_and_keeps_a_valid_state(
    message: str, kind: RequestType, awaiting: bool
) -> None:
    state = _pending(kind, awaiting)
    step = advance(state, message)
    assert step.kind in {"asked", "confirm", "filed_ready", "cancelled", "not_for_me", "switch"}
    assert state.status in {"needs_info", "awaiting_confirmation", "cancelled"}
    if "password is hunter2" in message:
        assert "hunter2" not in repr(state.slots)
    if "4111 1111 1111 1111" in message:
        assert "4111 1111 1111 1111" not in repr(state.slots)
    assert isinstance(resume_prompt(state), str)


HUGE = 200_000
# (repeated unit, ending): a message of n characters is the unit repeated, then the ending
HOSTILE = [
    ("a", ""),
    ("@", ""),
    ("a@", ""),
    (".", ""),
    ("(", ""),
    ("1 ", ""),
    ("4", ""),
    ("my ", ""),
    ("delete my account ", ""),
    ("my name is wrong, it should be ", ""),
    ("i object to ", ""),
    ("\ud800", ""),
    ("\x00", ""),
    ("please ", "delete my account"),
]


def _hostile(unit: str, ending: str, size: int) -> str:
    return unit * (size // len(unit)) + ending


def _read_everywhere(message: str) -> None:
    detect_request(message)
    for kind in (RequestType.RECTIFICATION, RequestType.OBJECTION, RequestType.ERASURE):
        advance(_pending(kind, awaiting=False), message)
        advance(_pending(kind, awaiting=True), message)


@pytest.mark.parametrize(("unit", "ending"), HOSTILE, ids=lambda part: repr(part[:12]))
def test_huge_hostile_input_takes_linear_time(unit: str, ending: str) -> None:
    ratio = growth(lambda size: _read_everywhere(_hostile(unit, ending, size)), HUGE, repeats=2)
    assert ratio < LINEAR_LIMIT, f"{FACTOR}x the message took {ratio:.0f}x the time"
