"""The small-talk classifier: the committed model loads, reproduces its card's held-out
numbers, and the training pieces (fit, threshold, data) do what they say."""

from __future__ import annotations

import json

import pytest

from assistant.chitchat import ChitchatKind
from assistant.learning.smalltalk import (
    NOT_SMALL_TALK,
    SMALLTALK_PATH,
    SmalltalkModel,
    load_smalltalk_model,
    message_words,
)
from assistant.learning.smalltalk_training import (
    ANY_SMALL_TALK,
    Labelled,
    calibrated_threshold,
    fit,
    heldout_sets,
    metrics,
    possible_threshold,
    training_examples,
)


@pytest.fixture(scope="module")
def card() -> dict[str, object]:
    return json.loads(SMALLTALK_PATH.with_suffix(".card.json").read_text(encoding="utf-8"))


def test_the_committed_model_loads_with_every_kind_and_its_card(card: dict[str, object]) -> None:
    model = load_smalltalk_model()
    assert model.classes == (NOT_SMALL_TALK, *[k.value for k in ChitchatKind])
    assert model.threshold == card["threshold"]
    assert 0.5 <= model.threshold < 1.0
    assert {"data_sha256", "code_sha256", "seed", "heldout", "out_of_fold"} <= set(card)


def test_the_committed_model_reproduces_its_cards_heldout_numbers(
    card: dict[str, object],
) -> None:
    model = load_smalltalk_model()
    measured = {name: metrics(model, rows) for name, rows in heldout_sets().items()}
    assert measured == card["heldout"]
    # and those numbers say what the threshold promises on data never trained on
    assert all(m["taken_for_small_talk"] == 0 for m in measured.values())


def test_nothing_held_out_is_trained_on() -> None:
    trained = {" ".join(message_words(e.text)) for e in training_examples()}
    for rows in heldout_sets().values():
        held = {" ".join(message_words(e.text)) for e in rows}
        assert held and not trained & held


def test_a_model_file_that_disagrees_with_itself_is_refused() -> None:
    data = json.loads(SMALLTALK_PATH.read_text(encoding="utf-8"))
    with pytest.raises(ValueError, match="disagree"):
        SmalltalkModel.from_json({**data, "weights": data["weights"][:-1]})
    with pytest.raises(ValueError, match="malformed"):
        SmalltalkModel.from_json({**data, "classes": list(reversed(data["classes"]))})


def _toy() -> list[Labelled]:
    thanks = ["thanks", "thank you", "thanks a lot", "many thanks", "thx", "thanks again"]
    hello = ["hello", "hello there", "hi", "hi there", "hey", "hey there"]
    asks = ["do you sell my data", "how long do you keep my data", "can i delete my data"]
    asks += ["who sees my data", "is my data shared", "where is my data stored"]
    return (
        [Labelled(t, "thanks", "a") for t in thanks]
        + [Labelled(t, "greeting", "a") for t in hello]
        + [Labelled(t, NOT_SMALL_TALK, "b") for t in asks]
    )


def test_the_fit_learns_kinds_and_questions_from_words_and_characters() -> None:
    model = fit(_toy(), domain=frozenset({"data"}))
    assert model.predict("thanks so much") == "thanks"
    assert model.predict("hello again") == "greeting"
    assert model.predict("do you keep my data") == NOT_SMALL_TALK


def test_small_talk_of_no_named_kind_is_learned_as_small_talk() -> None:
    unnamed = [Labelled("cheers", ANY_SMALL_TALK, "c"), Labelled("cheers!", ANY_SMALL_TALK, "c")]
    model = fit(_toy() + unnamed, domain=frozenset({"data"}))
    assert model.predict("cheers") != NOT_SMALL_TALK


def test_the_threshold_lies_above_every_question_of_the_data_and_no_lower_than_half() -> None:
    rows = [
        Labelled("hi", "greeting", "x"),
        Labelled("q1", NOT_SMALL_TALK, "evals.yaml"),
        Labelled("q2", NOT_SMALL_TALK, "policyqa"),
        Labelled("ours", NOT_SMALL_TALK, "examples:0"),  # our hard negatives: counted apart
    ]
    assert calibrated_threshold([0.99, 0.62, 0.7, 0.95], rows) == 0.71
    assert calibrated_threshold([0.99, 0.1, 0.2, 0.3], rows) == 0.5


def test_words_are_read_alike_whatever_the_case_and_apostrophes() -> None:
    expected = ["youre", "welcome"]
    assert message_words("You're WELCOME!!") == message_words("youre welcome") == expected


def test_the_middle_band_allows_a_share_of_questions_and_lies_below_the_threshold(
    card: dict[str, object],
) -> None:
    rows = [Labelled("hi", "greeting", "x")] + [
        Labelled(f"q{i}", NOT_SMALL_TALK, "evals.yaml") for i in range(800)
    ]
    probs = [0.99] + [0.9, 0.8, 0.6] + [0.1] * 797  # 0.25 % of 800: two may lie in the band
    assert possible_threshold(probs, rows) == 0.61
    model = load_smalltalk_model()
    assert model.possible_threshold == card["possible_threshold"]
    assert (
        model.possible_threshold is not None and 0.5 <= model.possible_threshold <= model.threshold
    )


def test_a_model_file_without_a_band_has_none() -> None:
    data = json.loads(SMALLTALK_PATH.read_text(encoding="utf-8"))
    data.pop("possible_threshold")
    assert SmalltalkModel.from_json(data).possible_threshold is None
