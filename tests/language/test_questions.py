"""opens_like_question: one reader of how a sentence opens, with each reader's options."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.language import lexicon, opens_like_question

_LEX = lexicon()
_SKIP = frozenset({"and", "so", "ok"})
_SUBJECTS = r"(?:you|i|it|acme)"


@pytest.mark.parametrize("word", sorted(_LEX.auxiliaries | _LEX.wh_words))
def test_every_auxiliary_and_wh_word_of_the_lexicon_opens_a_question(word: str) -> None:
    assert opens_like_question(f"{word.capitalize()} it kept there")
    assert opens_like_question(f'("{word} it kept there')
    assert not opens_like_question(f"Kept {word} there")


@pytest.mark.parametrize("text", ["", "   ", "?!", "Deleted it", "Shall I go", "any news"])
def test_other_openings_do_not_by_default(text: str) -> None:
    assert not opens_like_question(text)


def test_the_default_reading_ignores_case_punctuation_and_negation() -> None:
    assert opens_like_question("ISN'T it kept")  # read "is"
    assert opens_like_question("...what do you keep")


def test_as_written_reads_the_first_token_exactly() -> None:
    assert opens_like_question("is it kept", as_written=True)
    assert not opens_like_question("isn't it kept", as_written=True)
    assert not opens_like_question("what, exactly", as_written=True)
    assert not opens_like_question("Is it kept", as_written=True)
    assert opens_like_question("isn't it kept", as_written=True, also=frozenset({"isn't"}))


def test_also_and_without_change_the_words() -> None:
    assert opens_like_question("shall we", also=_LEX.rare_auxiliaries)
    assert not opens_like_question("might you", without=frozenset({"might"}))


def test_do_not_is_an_order_only_when_asked_to_be() -> None:
    assert opens_like_question("do not email me", as_written=True)
    assert not opens_like_question("do not email me", as_written=True, do_not_orders=True)
    assert opens_like_question("do you email me", as_written=True, do_not_orders=True)


def test_skipped_words_and_subjects() -> None:
    def drafts(text: str) -> bool:
        return opens_like_question(text, skip=_SKIP, subjects=_SUBJECTS)

    assert drafts("Ok, so do you sell it")
    assert drafts("and,what is kept")
    assert drafts("does ACME sell it")
    assert not drafts("have a nice day")  # no subject after the auxiliary
    assert not drafts("ok. do you sell it")  # a skipped word is followed by a comma or space
    assert drafts("however, it is kept")  # a wh-word need only start the text
    assert not opens_like_question("and is it kept")  # nothing skipped by default


@given(st.text(max_size=40))
def test_never_raises_and_the_options_only_narrow_the_default(text: str) -> None:
    default = opens_like_question(text)
    narrowed = opens_like_question(text, without=_LEX.wh_words)
    assert isinstance(default, bool)
    assert not narrowed or default
