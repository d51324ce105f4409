"""Chitchat and follow-ups: deterministic, and only when the message needs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.answering.types import Answer
from assistant.chitchat import ChitchatKind, chitchat_reply, classify_chitchat, possible_chitchat
from assistant.conversation import (
    Turn,
    answer_in_context,
    contextualise,
    rank_in_context,
    separate_questions,
    standalone_question,
)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Hi!", ChitchatKind.GREETING),
        ("hello there", ChitchatKind.GREETING),
        ("Good morning", ChitchatKind.GREETING),
        ("thanks a lot!", ChitchatKind.THANKS),
        ("Thank you so much", ChitchatKind.THANKS),
        ("ok thanks", ChitchatKind.THANKS),
        ("bye", ChitchatKind.GOODBYE),
        ("that's all, goodbye", ChitchatKind.GOODBYE),
        ("What can you do?", ChitchatKind.HELP),
        ("hi, what can you do?", ChitchatKind.HELP),
        ("help", ChitchatKind.HELP),
        ("ok", ChitchatKind.ACKNOWLEDGEMENT),
        ("got it", ChitchatKind.ACKNOWLEDGEMENT),
    ],
)
def test_small_talk_is_recognised(message: str, kind: ChitchatKind) -> None:
    # for certain, or in the middle band (small talk where the policy is silent)
    assert (classify_chitchat(message) or possible_chitchat(message)) == kind


@pytest.mark.parametrize(
    "message",
    [
        "Hi, do you sell my data?",
        "Thanks, and how long do you keep it?",
        "Can you help me delete my data?",
        "What is your refund policy?",
        "ok so what about cookies",
        "",
        "   ",
    ],
)
def test_a_message_with_content_is_not_small_talk(message: str) -> None:
    assert classify_chitchat(message) is None


@pytest.mark.parametrize("kind", list(ChitchatKind))
def test_replies_are_short_and_say_what_the_assistant_does(kind: ChitchatKind) -> None:
    reply = chitchat_reply(kind)
    assert 3 <= len(reply.split()) <= 80
    if kind in (ChitchatKind.GREETING, ChitchatKind.HELP):
        assert "privacy policy" in reply and "rights" in reply


def _history(*questions: str) -> list[Turn]:
    turns: list[Turn] = []
    for question in questions:
        turns += [Turn("user", question), Turn("assistant", "An answer [1].")]
    return turns


@pytest.mark.parametrize(
    ("history", "message", "must_contain"),
    [
        (["How long do you keep my data?"], "and after my account is closed?",
         ["keep my data", "account is closed"]),
        (["What information do you collect when I register?"], "what about cookies?",
         ["collect", "cookies"]),
        (["Do you use cookies?"], "why?", ["Do you use cookies? Why?"]),
        (["Do you collect my payment information?"], "who do you share it with?",
         ["payment information", "share it with"]),
        (["Can I delete my data?"], "what if I have trouble with that?", ["delete", "trouble"]),
        (["Where is my data stored?"], "how is it protected?", ["stored", "protected"]),
        (["How long do you keep my data?", "and after my account is closed?"], "why?",
         ["keep my data", "closed", "Why"]),
        (["Do you use cookies?", "thanks!"], "why?", ["Do you use cookies? Why?"]),
        (["Do my messages stay private?"], "who can read them?", ["messages", "read them?"]),
        # fragments of one topic word (dev batches 7 and 10: "not covered" read alone)
        (["Do you share my data with courts?"], "in what cases exactly?", ["courts", "cases"]),
        (["Do you share my data with anyone?"], "like who exactly tho", ["anyone", "who"]),
    ],
)  # fmt: skip
def test_follow_ups_are_merged_with_the_previous_question(
    history: list[str], message: str, must_contain: list[str]
) -> None:
    turns = [Turn("user", h) for h in history]
    query = standalone_question(message, turns)
    for part in must_contain:
        assert part.lower() in query.lower(), query
    assert contextualise(message, turns).followup


@pytest.mark.parametrize(
    ("history", "message"),
    [
        (["Do you use cookies?"], "Do you sell my personal data to advertisers?"),
        (["Do you use cookies?"], "What if I tag WorkAllies in a social media post?"),
        (["How long do you keep my data?"], "How can I update my personal information?"),
        (["Do you sell my data?"], "What is a cookie?"),  # one topic word, a full question
        ([], "why?"),
        ([], "and after my account is closed?"),
    ],
)
def test_self_contained_questions_and_first_questions_are_left_alone(
    history: list[str], message: str
) -> None:
    assert standalone_question(message, _history(*history)) == message


def test_a_connector_before_a_full_question_is_dropped() -> None:
    query = standalone_question("and do you sell my data?", _history("Do you use cookies?"))
    assert query == "do you sell my data?"


@pytest.mark.parametrize(
    ("message", "alone"),
    [
        ("also how old do i have to be to use workallies", True),
        ("and which data aggregators do you buy from", True),
        ("and what about my payment details", False),  # a fragment: no verb of its own
        ("also what about after i close my account", False),
    ],
)
def test_a_wh_question_after_a_connector_stands_alone_when_its_verb_follows(
    message: str, alone: bool
) -> None:
    context = contextualise(message, _history("what info do you collect about me"))
    assert context.followup is not alone


def test_assistant_turns_are_not_taken_for_questions() -> None:
    turns = [Turn("user", "Do you use cookies?"), Turn("assistant", "Why would we not?")]
    assert standalone_question("why?", turns) == "Do you use cookies? Why?"


@pytest.mark.parametrize(
    ("previous", "message", "expected"),
    [
        ("Can I stop direct marketing?", "how do I do that?",
         "Can I stop direct marketing? How do I do that?"),
        ("Do you use cookies?", "why is that?", "Do you use cookies? Why is that?"),
        ("Can I delete my data?", "how would I do it?", "Can I delete my data? How would I do it?"),
        ("Do you use cookies?", "what for?", "Do you use cookies? What for?"),
    ],
)  # fmt: skip
def test_a_wh_word_with_a_pro_verb_is_read_after_the_previous_question(
    previous: str, message: str, expected: str
) -> None:
    assert standalone_question(message, [Turn("user", previous)]) == expected


def test_a_follow_up_with_a_pronoun_is_read_after_the_previous_question_as_it_is() -> None:
    query = standalone_question("is it shared with them?", [Turn("user", "Do you log my IP?")])
    assert query == "Do you log my IP? Is it shared with them?"


@pytest.mark.parametrize(
    ("message", "parts", "dropped"),
    [
        ("Do you sell my data?", ["Do you sell my data?"], 0),
        ("Do you sell my data? How long do you keep it?",
         ["Do you sell my data?", "How long do you keep it?"], 0),
        # statements go with the question after them
        ("I closed my account. Do you keep my data? And my invoices?",
         ["I closed my account. Do you keep my data?", "And my invoices?"], 0),
        ("Do you use cookies? Why?", ["Do you use cookies? Why?"], 0),  # "why?" alone: one part
        ("Hi! Do you sell my data?", ["Hi! Do you sell my data?"], 0),
        ("Do you sell it? Do you share it? Do you keep it? Do you rent it?",
         ["Do you sell it?", "Do you share it?", "Do you keep it?"], 1),
        # chat messages often end without their "?": a last sentence opening like a question
        ("where do you store it? and who can see it",
         ["where do you store it?", "and who can see it"], 0),
        ("do you sell my data? can i opt out", ["do you sell my data?", "can i opt out"], 0),
        ("Do you sell my data? I hope not.", ["Do you sell my data? I hope not."], 0),
        ("do you sell my data? like to advertisers",
         ["do you sell my data? like to advertisers"], 0),
        # a few words that only spell out the question before join it, as one sentence
        # (blind batches 12-13: "aws? azure?" and "meta?" were each answered apart)
        ("what cloud provider hosts your servers, aws? azure?",
         ["what cloud provider hosts your servers, aws, azure?"], 0),
        ("how will you send me marketing? email? sms?",
         ["how will you send me marketing, email, sms?"], 0),
        # ... but not a question of its own, a connector or a pronoun
        ("Do you sell my data? and my messages?", ["Do you sell my data?", "and my messages?"], 0),
        ("Why do you ask so much at sign-up? It is for security?",
         ["Why do you ask so much at sign-up?", "It is for security?"], 0),
        ("Do you sell my data? Is my email kept?",
         ["Do you sell my data?", "Is my email kept?"], 0),
    ],
)  # fmt: skip
def test_a_message_asking_several_questions_is_separated(
    message: str, parts: list[str], dropped: int
) -> None:
    questions = separate_questions(message)
    assert questions.parts == parts
    assert questions.dropped == dropped


# ---------------------------------------------------------------- small talk, unseen wording


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("thnaks!", ChitchatKind.THANKS),  # typos no example spells this way
        ("thank yuo", ChitchatKind.THANKS),
        ("helloo", ChitchatKind.GREETING),
        ("goodbyeee", ChitchatKind.GOODBYE),  # stretched letters
        ("okayyy", ChitchatKind.ACKNOWLEDGEMENT),
        ("THANKS SO MUCH", ChitchatKind.THANKS),  # shouting reads the same
        ("ok thank youu", ChitchatKind.THANKS),
        ("hey there bot", ChitchatKind.GREETING),
    ],
)
def test_small_talk_in_unlisted_wording_is_recognised(message: str, kind: ChitchatKind) -> None:
    assert classify_chitchat(message) == kind


@pytest.mark.parametrize(
    "message",
    [
        "are you a real human?",
        "is this an automated bot",
        "who am i chatting to",
        "hello?? u there",
    ],
)
def test_questions_about_the_assistant_itself_get_the_help_reply(message: str) -> None:
    assert classify_chitchat(message) == ChitchatKind.HELP


@pytest.mark.parametrize(
    ("thanks", "greeting"),
    [("thanks!", "hi!"), ("thank you", "hello"), ("thx", "hey"), ("cheers mate", "hiya mate")],
)
def test_thanks_and_greetings_are_told_apart(thanks: str, greeting: str) -> None:
    assert classify_chitchat(thanks) == ChitchatKind.THANKS
    assert classify_chitchat(greeting) == ChitchatKind.GREETING


@pytest.mark.parametrize(
    "message",
    [
        "thanks, cookies?",  # a policy word
        "ok thanks, and gdpr?",
        "thanks bye delete my account",
        "lol do u sell my data",
        "hey, can i get a copy of my info",
        "why?",  # elliptical follow-ups take the question before them
        "how?",
        "which ones?",
        "delete my data",
        "hi, do you sell my data?",
    ],
)
def test_small_talk_with_a_topic_is_not_small_talk(message: str) -> None:
    assert classify_chitchat(message) is None


def test_no_labelled_question_or_request_is_taken_for_small_talk() -> None:
    from pathlib import Path

    import yaml

    evals = Path(__file__).parents[2] / "evals"
    texts: list[str] = []
    for path in [evals / "answers.yaml", *sorted((evals / "blind").glob("answers-*.yaml"))]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for section in ("answerable", "unanswerable", "followups"):
            texts += [case["question"] for case in data.get(section) or []]
    for path in [evals / "retrieval.yaml", *sorted((evals / "blind").glob("retrieval-*.yaml"))]:
        texts += [c["question"] for c in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]]
    rights = yaml.safe_load((evals / "rights_requests.yaml").read_text(encoding="utf-8"))
    texts += [c["message"] for c in rights["cases"] if c.get("expected_type")]
    assert len(texts) > 500
    assert [t for t in texts if classify_chitchat(t)] == []


# ---------------------------------------------------------------- topics never leak


def _answers(confidence: dict[str, float]) -> tuple[list[str], Callable[[str], Answer]]:
    """A fake answerer: abstains unless the query is listed; records what it was asked."""
    asked: list[str] = []

    def answer(query: str) -> Answer:
        asked.append(query)
        if query in confidence:
            return Answer(f"about {query}", confidence=confidence[query])
        return Answer("not covered", abstained=True)

    return asked, answer


def test_a_self_contained_question_is_answered_alone_once() -> None:
    asked, answer = _answers({"Can I complain about how you use my data?": 0.9})
    history = _history("Do you sell my data?")
    query, _ = answer_in_context("Can I complain about how you use my data?", history, answer)
    assert asked == [query] == ["Can I complain about how you use my data?"]


def test_a_new_question_with_a_pronoun_keeps_its_own_topic_when_that_reads_better() -> None:
    alone = "is a 16 year old allowed to use it?"
    asked, answer = _answers({alone: 0.9})  # the merged reading abstains
    query, reply = answer_in_context(alone, _history("Do you sell my data?"), answer)
    assert len(asked) == 2 and asked[0].startswith("Do you sell my data?")
    assert query == alone and not reply.abstained


def test_a_real_follow_up_keeps_its_context_when_that_reads_better() -> None:
    message = "can they use it to advertise to me?"
    history = _history("Do you share my information with payment vendors?")
    merged = contextualise(message, history).query
    asked, answer = _answers({merged: 0.8, message: 0.3})
    query, _ = answer_in_context(message, history, answer)
    assert asked == [merged, message] and query == merged


@pytest.mark.parametrize(
    "message", ["why?", "which ones?", "and cookies?", "and after I close my account?"]
)
def test_an_elliptical_follow_up_is_only_read_in_context(message: str) -> None:
    asked, answer = _answers({})
    answer_in_context(message, _history("What do you share with advertisers?"), answer)
    assert len(asked) == 1 and asked[0].startswith("What do you share with advertisers?")


def test_a_pronoun_in_a_later_question_of_the_same_message_is_read_in_its_context() -> None:
    asked, answer = _answers({})
    history = [Turn("user", "Do you sell my data?")]
    answer_in_context("How long do you keep it?", history, answer, same_message=True)
    assert asked == ["Do you sell my data? How long do you keep it?"]


_ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=120)


@settings(max_examples=100, deadline=None)
@given(_ANY_TEXT, _ANY_TEXT)
def test_small_talk_and_context_never_raise_on_any_text(message: str, previous: str) -> None:
    classify_chitchat(message)
    asked, answer = _answers({})
    query, _ = answer_in_context(message, [Turn("user", previous)], answer)
    assert query in asked and 1 <= len(asked) <= 2


def test_the_follow_up_words_are_typed_data() -> None:
    from pydantic import ValidationError

    from assistant.language import FollowupWords, followup_words

    data = followup_words().model_dump()
    assert "why" in data["bare_wh"] and "it" in data["anaphors"]
    with pytest.raises(ValidationError):
        FollowupWords.model_validate({**data, "regexes": []})


# ---------------------------------------------------------------- follow-ups near the last answer


def test_a_follow_up_prefers_the_section_the_previous_answer_cited(make_hits, policy) -> None:
    keep, rights = "how-long-do-we-keep-personal-information-1", "your-data-protection-rights-8"
    merged = [
        replace(h, score=s) for h, s in zip(make_hits(keep, rights), (0.80, 0.72), strict=True)
    ]
    own = [replace(h, score=s) for h, s in zip(make_hits(keep, rights), (0.50, 0.48), strict=True)]
    cited = (policy.clause("your-data-protection-rights-2").section,)
    assert rank_in_context(merged, own, cited, k=2)[0].clause.id == rights
    assert rank_in_context(merged, own, (), k=2)[0].clause.id == keep


def test_a_follow_up_ranks_clauses_found_by_either_search(make_hits) -> None:
    merged = make_hits("cookies-1", "children-1")
    own = make_hits("do-not-track-1")
    ranked = rank_in_context(merged, own, (), k=5)
    assert {h.clause.id for h in ranked} == {"cookies-1", "children-1", "do-not-track-1"}
    assert ranked[0].clause.id == "cookies-1"  # in both lists' evidence it stays first


def test_a_follow_up_does_not_lead_with_the_clause_just_quoted(make_hits) -> None:
    """ "what if I have trouble with that?" after a deletion answer: the clause the user
    has just read yields first place to a close runner-up, but stays in the list."""
    first, second = make_hits("cookies-1", "children-1")
    merged = [first, replace(second, score=first.score - 0.05)]
    ranked = rank_in_context(merged, [], (), k=2, quoted=("cookies-1",))
    assert [h.clause.id for h in ranked] == ["children-1", "cookies-1"]
    assert rank_in_context(merged, [], (), k=2)[0].clause.id == "cookies-1"


def test_only_the_merged_reading_is_answered_in_context() -> None:
    message = "is a 16 year old allowed to use it?"
    asked, answer = _answers({message: 0.9})
    in_context: list[tuple[str, str]] = []

    def near(query: str, said: str) -> Answer:
        in_context.append((query, said))
        return Answer("not covered", abstained=True)

    query, _ = answer_in_context(message, _history("Do you sell my data?"), answer, in_context=near)
    assert [said for _, said in in_context] == [message] and asked == [message] == [query]


def test_a_follow_up_is_decided_without_the_question_banks_evidence(make_hits) -> None:
    """The merged question is mostly the previous one: its bank evidence would pull the
    answer back to what was just quoted."""
    from assistant.question_bank import NO_MATCHES, BankMatch, BankMatches

    keep, rights = "how-long-do-we-keep-personal-information-1", "your-data-protection-rights-8"
    near = BankMatches((BankMatch(0.9, ((0, 1),), frozenset({keep})),), unanswered=0.4)
    merged = [replace(h, bank=0.9, bank_matches=near) for h in make_hits(keep)]
    own = [replace(h, score=2.0, bank_matches=near) for h in make_hits(rights)]
    ranked = rank_in_context(merged, own, (), k=2)
    assert [h.clause.id for h in ranked] == [rights, keep]
    assert all(h.bank == 0.0 and h.bank_matches is NO_MATCHES for h in ranked)


def test_a_follow_up_is_decided_on_the_banked_follow_ups_nearest_it(make_hits) -> None:
    """ "how long does that take?" after a rights question: follow-ups worded like it in
    other labelled files were answered by the response-time clause."""
    from assistant.question_bank import BankMatch, BankMatches

    keep, rights = "how-long-do-we-keep-personal-information-1", "your-data-protection-rights-8"
    banked = BankMatches((BankMatch(0.8, ((0, 1),), frozenset({rights})),))
    merged = [replace(h, score=s) for h, s in zip(make_hits(keep, rights), (1.2, 0.8), strict=True)]
    assert rank_in_context(merged, [], (), k=2)[0].clause.id == keep
    ranked = rank_in_context(merged, [], (), k=2, banked=banked)
    assert [h.clause.id for h in ranked] == [rights, keep]
    assert ranked[0].bank == 0.8 and ranked[1].bank == 0.0
    assert all(h.bank_matches is banked for h in ranked)


@pytest.mark.parametrize("message", ["how", "why", "how come", "what?", "Why?"])
def test_question_words_alone_are_a_follow_up_not_small_talk(message: str) -> None:
    assert classify_chitchat(message) is None
