"""The language layer: one reading per message, read once, that never raises."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from assistant.language import (
    Lexicon,
    Reader,
    lexicon,
    phrase_regex,
    read,
    stem,
    strip_label,
    words,
)
from assistant.language.tokens import MAX_SCAN_CHARS

_ANY_CHAR = st.characters(codec=None, exclude_categories=())  # surrogates and controls too
_CHATTY = [
    *sorted(lexicon().chat_speak),
    *sorted(lexicon().contractions),
    "delet",
    "acount",
    "U.S.",
    "16yo",
    "15 yrs",
    "?",
    ".",
    "\u2019",
    "\ud800",
    "\x00",
    "Data",
]
MESSAGES = st.one_of(
    st.text(alphabet=_ANY_CHAR, max_size=200),
    st.lists(st.sampled_from(_CHATTY), max_size=30).map(" ".join),
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(MESSAGES)
def test_reading_never_raises_and_normalising_is_idempotent(reader: Reader, text: str) -> None:
    reading = reader.read(text)
    assert reader.read(reading.normal).normal == reading.normal
    assert reading.normal == reading.normal.lower()


@PROPERTY
@given(MESSAGES)
def test_tokens_are_words_of_the_normal_form_and_stems_their_stems(
    reader: Reader, text: str
) -> None:
    reading = reader.read(text)
    assert list(reading.tokens) == words(reading.normal)
    assert all(token in reading.normal for token in reading.tokens)
    assert list(reading.stems) == stem(list(reading.tokens))
    assert set(reading.content) <= set(reading.tokens)
    assert set(reading.query.terms) <= set(reading.stems)


@PROPERTY
@given(MESSAGES)
def test_every_typo_fix_replaces_a_word_of_the_message_with_a_known_word(
    reader: Reader, text: str
) -> None:
    reading = reader.read(text)
    for typo, fixed in reading.fixes:
        assert typo in reading.text.lower()
        assert reader.speller.knows(fixed)


@pytest.mark.parametrize("unit", ["a", "\u00bd", "\ufdfa", "\ud800"])  # NFKC lengthens some
def test_text_is_bounded(unit: str) -> None:
    assert len(read(unit * (MAX_SCAN_CHARS + 10)).text) <= MAX_SCAN_CHARS


def test_a_message_is_read_once_per_reader(reader: Reader) -> None:
    first = reader.read("do u sell my data?")
    assert reader.read("do u sell my data?") is first


@pytest.mark.parametrize(
    ("message", "normal"),
    [
        ("wat happens to my info when i close my acount",
         "what happens to my information when i close my account"),
        ("I don’t want this", "i do not want this"),
        ("my son is 15yo pls delet his acount",
         "my son is 15 year old please delete his account"),
        ("check yr emails", "check your emails"),
        ("its now spelled Smith", "it is now spelled smith"),
        ("Is my data sent to the U.S.?", "is my data sent to the u.s.?"),
    ],
)  # fmt: skip
def test_contractions_chat_speak_and_typos_are_spelled_out(
    reader: Reader, message: str, normal: str
) -> None:
    assert reader.read(message).normal == normal


def test_the_case_kept_form_spells_out_chat_speak_only(reader: Reader) -> None:
    assert reader.read("do u sell my data? R u sure").spelled == "do you sell my data? are you sure"
    assert reader.read("Is my data sent to the U.S.?").spelled == "Is my data sent to the U.S.?"


@pytest.mark.parametrize(
    ("word", "repaired"),
    [
        ("acount", "account"),  # a keyword, one edit
        ("delet", "delete"),  # stems like "delete", but rules match words
        ("dleete", "delete"),  # a swap is one edit
        ("paymnet", "payment"),  # a policy word
        ("browse", "browse"),  # a known form ("browsing"), not a typo
        ("remote", "remote"),  # a real word one edit from "remove"
        ("sell", "sell"),  # too short to repair
    ],
)
def test_typos_are_repaired_towards_known_words_only(
    reader: Reader, word: str, repaired: str
) -> None:
    assert reader.speller.repair(word) == repaired


def test_concepts_expand_the_query(reader: Reader) -> None:
    query = reader.read("can u delete everything").query
    assert "erasure" in query.concepts
    assert query.phrases and query.expansion


@pytest.mark.parametrize(
    ("message", "minors"),
    [
        ("how old do you have to be to sign up", True),  # blind 19: found the sign-up clause
        ("am i old enough to join", True),
        ("how old is this privacy policy", False),  # the policy's date, not an age limit
    ],
)
def test_an_age_question_reads_as_one_about_minors(
    reader: Reader, message: str, minors: bool
) -> None:
    assert ("minors" in reader.read(message).query.concepts) is minors


def test_the_lexicon_rejects_unknown_keys_and_rewrites_that_do_not_settle() -> None:
    data = lexicon().model_dump()
    with pytest.raises(ValidationError):
        Lexicon.model_validate({**data, "synonyms": {}})
    with pytest.raises(ValidationError):  # "u" -> "you", "you" -> "u" never settles
        Lexicon.model_validate({**data, "chat_speak": {"u": "you", "you": "u"}})


def test_subordinators_are_one_list_matched_longest_first() -> None:
    subordinators = lexicon().subordinators
    assert {"if", "after", "once", "unless", "as soon as"} <= subordinators
    opening = re.compile(rf"^{lexicon().subordinator_regex}\b")
    for phrase in subordinators:
        match = opening.match(f"{phrase} i unsubscribe")
        assert match is not None and match.group(0) == phrase
    assert re.search(phrase_regex([]), "anything") is None  # an empty list matches nothing


@pytest.mark.parametrize(
    ("message", "without"),
    [
        (
            "new q: will you tell me when the policy changes",
            "will you tell me when the policy changes",
        ),
        ("different question - whats the minimum age", "whats the minimum age"),
        ("delete my data", "delete my data"),  # no label
        ("can you delete it? my account: jdoe", "can you delete it? my account: jdoe"),
        (
            "a label of far too many words here: do you",
            "a label of far too many words here: do you",
        ),
    ],
)
def test_a_short_leading_label_is_stripped(message: str, without: str) -> None:
    assert strip_label(message) == without


@given(st.text(max_size=200))
def test_stripping_a_label_only_ever_drops_a_prefix(message: str) -> None:
    assert message.endswith(strip_label(message))


def test_periods_are_counted_in_digits_or_words() -> None:
    periods = lexicon().periods
    assert periods("can you take 3 months? or two-weeks") == {(3, "month"), (2, "week")}
    assert periods("You have one month to receive a response") == {(1, "month")}
    assert periods("within a month, users aged 18") == frozenset()
