"""Robustness: recognition and the flow never raise, on any text, in bounded time."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
HOSTILE = [
    "a" * HUGE,
    "@" * HUGE,
    "a@" * (HUGE // 2),
    "." * HUGE,
    "(" * HUGE,
    "1 " * (HUGE // 2),
    "4" * HUGE,
    "my " * (HUGE // 3),
    "delete my account " * (HUGE // 18),
    "my name is wrong, it should be " * (HUGE // 31),
    "i object to " * (HUGE // 12),
    "\ud800" * HUGE,
    "\x00" * HUGE,
    "please " * (HUGE // 7) + "delete my account",
]


@pytest.mark.parametrize("message", HOSTILE, ids=lambda m: f"{m[:12]!r}x{len(m)}")
def test_huge_hostile_input_finishes_quickly(message: str) -> None:
    began = time.perf_counter()
    detect_request(message)
    for kind in (RequestType.RECTIFICATION, RequestType.OBJECTION, RequestType.ERASURE):
        advance(_pending(kind, awaiting=False), message)
        advance(_pending(kind, awaiting=True), message)
    assert time.perf_counter() - began < 3.0
