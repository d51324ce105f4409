"""The grounded generator: answers that read as answers, every claim cited verbatim."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from assistant.answering import GroundedGenerator, verify
from assistant.answering.abstention import AbstentionModel
from assistant.answering.citations import MARKER_RE
from assistant.answering.compose import reported_speech
from assistant.answering.grounded import MAX_ITEMS, _states_consequence
from assistant.answering.selection import Question
from assistant.policy import Policy
from tests.answering.conftest import MakeHits

CASES = [
    ("Do you sell my personal data?", ["sharing-personal-information-with-third-1",
                                       "sharing-personal-information-with-third-4"]),
    ("Can I stop receiving direct marketing?", ["direct-marketing-1.4", "direct-marketing-2"]),
    ("How long do you keep my data?", ["how-long-do-we-keep-personal-information-1.1",
                                       "how-long-do-we-keep-personal-information-1"]),
    ("What is impression reporting?", ["information-we-collect-3"]),
    ("Why do you keep data from closed accounts?",
     ["how-long-do-we-keep-personal-information-1.3.2",
      "how-long-do-we-keep-personal-information-1.3.1"]),
    ("What are my data protection rights?", ["your-data-protection-rights-1",
                                              "your-data-protection-rights-2"]),
    ("Who can see my profile?", ["information-we-collect-4"]),
    ("Where is my data stored?", ["where-we-store-your-personal-information-1"]),
]  # fmt: skip


@pytest.mark.parametrize(("question", "clause_ids"), CASES)
def test_answers_read_as_short_cited_answers(
    grounded: GroundedGenerator, policy: Policy, make_hits: MakeHits, question: str,
    clause_ids: list[str],
) -> None:  # fmt: skip
    hits = make_hits(*clause_ids)
    answer = grounded.answer(question, hits)
    assert not answer.abstained
    assert re.match(r"[A-Z]", answer.text), answer.text
    assert "[1]" in answer.text
    assert len(answer.text.split()) <= 90, answer.text
    assert verify(answer, hits, policy, grounded.wording.is_meta) == []
    numbers = [int(n) for n in MARKER_RE.findall(answer.text)]
    assert sorted(set(numbers)) == list(range(1, len(answer.citations) + 1))


def test_the_first_citation_comes_from_the_top_hit(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    hits = make_hits("cookies-1", "how-is-information-collected-by-us-1")
    answer = grounded.answer("Do you use cookies?", hits)
    assert answer.citations[0].clause_id == "cookies-1"
    assert answer.text.startswith("Yes. ")


@pytest.mark.parametrize(
    ("question", "clause_id", "lead"),
    [
        ("Do you sell my personal data?", "sharing-personal-information-with-third-1", "No."),
        ("Do you rent my information?", "sharing-personal-information-with-third-4", "No."),
        ("Can I stop receiving direct marketing?", "direct-marketing-1.4", "Yes."),
        ("Do you honor Do Not Track?", "do-not-track-1", "No."),
        ("Can service providers use my data for marketing?",
         "sharing-personal-information-with-third-3.1.3", "No."),
        ("Can I request deletion of my data?", "your-data-protection-rights-4",
         "In some cases, yes."),
    ],
)  # fmt: skip
def test_yes_no_leads_follow_the_policy(
    grounded: GroundedGenerator, make_hits: MakeHits, question: str, clause_id: str, lead: str
) -> None:
    answer = grounded.answer(question, make_hits(clause_id))
    assert answer.text.startswith(lead + " "), answer.text


def test_a_wh_question_gets_no_lead(grounded: GroundedGenerator, make_hits: MakeHits) -> None:
    answer = grounded.answer("Who do you sell my data to?", make_hits(
        "sharing-personal-information-with-third-1"))  # fmt: skip
    assert not answer.text.startswith(("Yes", "No", "In some cases"))


def test_first_person_policy_text_is_reported_not_claimed(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    answer = grounded.answer("Do you sell my personal data?", make_hits(
        "sharing-personal-information-with-third-1"))  # fmt: skip
    assert "WorkAllies says it doesn't sell or rent your personal information" in answer.text


def test_a_cryptic_bullet_is_shown_with_its_lead_in(
    grounded: GroundedGenerator, policy: Policy, make_hits: MakeHits
) -> None:
    hits = make_hits("how-long-do-we-keep-personal-information-1.3.2")
    answer = grounded.answer("Is data from closed accounts kept to prevent fraud?", hits)
    assert "Personal information from closed accounts is retained for various reasons" in (
        answer.text
    )
    assert "prevent fraud" in answer.text
    cited = [c.clause_id for c in answer.citations]
    assert cited[:2] == [
        "how-long-do-we-keep-personal-information-1.3",
        "how-long-do-we-keep-personal-information-1.3.2",
    ]
    assert verify(answer, hits, policy, grounded.wording.is_meta) == []


def test_a_lead_in_lists_its_items(grounded: GroundedGenerator, make_hits: MakeHits) -> None:
    answer = grounded.answer(
        "What are my data protection rights?", make_hits("your-data-protection-rights-1")
    )
    for right in ("access", "rectification", "erasure"):
        assert right in answer.text.lower()


def test_a_question_about_a_duration_says_when_none_is_given(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    answer = grounded.answer(
        "How long do you keep my data?", make_hits("how-long-do-we-keep-personal-information-1.1")
    )
    assert grounded.wording.partial.no_period in answer.text
    answer = grounded.answer(
        "How long until you respond to my request?", make_hits("your-data-protection-rights-8")
    )
    assert grounded.wording.partial.no_period not in answer.text  # "one month"


def test_an_unmentioned_name_is_said_to_be_unmentioned(policy: Policy, make_hits: MakeHits) -> None:
    # This question sits near the calibrated abstention boundary (an unknown name counts
    # against answering); the test is about the note, so the model always answers here.
    answering = GroundedGenerator(policy, model=AbstentionModel(threshold=0.0))
    answer = answering.answer(
        "Do you share my data with Facebook?",
        make_hits("sharing-personal-information-with-third-3", similarity=0.8),
    )
    assert not answer.abstained
    assert "Facebook" in answer.text and "doesn't mention" in answer.text
    assert not answer.text.startswith(("Yes", "In some cases"))


def test_abstention_cites_only_the_contact_route(policy: Policy, make_hits: MakeHits) -> None:
    # thresholds set here: the test is about what an abstention cites, not where it falls
    flat = GroundedGenerator(policy, model=AbstentionModel(threshold=0.6, closest_threshold=0.55))
    hits = make_hits("how-do-we-use-the-collected-information-4.11.3", similarity=0.3)
    answer = flat.answer("What is your refund policy?", hits)
    assert answer.abstained and not answer.out_of_scope
    assert len(answer.citations) == 1
    contact = answer.citations[0]
    assert "privacy@workallies.com" in contact.quote
    assert "privacy@workallies.com" in answer.text
    assert contact.clause_id.startswith("contact-us")
    assert verify(answer, hits, policy, flat.wording.is_meta) == []


def test_between_the_thresholds_the_closest_passage_is_offered_not_asserted(
    policy: Policy, make_hits: MakeHits
) -> None:
    unsure = GroundedGenerator(policy, model=AbstentionModel(threshold=1.0, closest_threshold=0.0))
    hits = make_hits("how-do-we-use-the-collected-information-4.11.3", similarity=0.3)
    answer = unsure.answer("What is your refund policy?", hits)
    assert answer.abstained and not answer.out_of_scope  # it claims no answer
    assert answer.text.startswith("I'm not sure the policy answers exactly that.")
    cited = [c.clause_id for c in answer.citations]
    assert "how-do-we-use-the-collected-information-4.11.3" in cited
    assert cited[-1].startswith("contact-us") and "privacy@workallies.com" in answer.text
    assert verify(answer, hits, policy, unsure.wording.is_meta) == []


def test_the_hedge_is_not_a_licence_for_uncited_claims(grounded: GroundedGenerator) -> None:
    # its fixed sentences are our own remarks; a claim dressed in its words is not
    assert grounded.wording.is_meta("I'm not sure the policy answers exactly that.")
    assert not grounded.wording.is_meta("The closest it comes: WorkAllies sells your data.")


def test_off_topic_requests_are_out_of_scope(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    hits = make_hits("introduction-2", similarity=0.15)
    answer = grounded.answer("Write me a poem about the sea.", hits)
    assert answer.abstained and answer.out_of_scope
    assert answer.citations == ()


def test_no_hits_means_abstaining(grounded: GroundedGenerator) -> None:
    answer = grounded.answer("Do you sell my data?", [])
    assert answer.abstained


def test_answers_are_deterministic(grounded: GroundedGenerator, make_hits: MakeHits) -> None:
    hits = make_hits("direct-marketing-1.4", "direct-marketing-2", "direct-marketing-1")
    first = grounded.answer("Can I opt out of marketing?", hits)
    assert grounded.answer("Can I opt out of marketing?", hits) == first


def test_another_policy_gets_its_own_contact_route(policy: Policy) -> None:
    from assistant.policy import parse_policy

    other = parse_policy(
        "Privacy\n\nData\n\nWe keep data.\n\nContact\n\nQuestions? Write to dpo@example.org.\n"
    )
    answer = GroundedGenerator(other).abstain(out_of_scope=False, confidence=0.1)
    assert "dpo@example.org" in answer.text
    quote = answer.citations[0].quote
    assert "dpo@example.org" in quote and other.text[answer.citations[0].start :].startswith(quote)


def test_a_policy_without_a_contact_address_still_offers_its_closest_passage() -> None:
    from assistant.policy import parse_policy
    from assistant.retrieval import Hit

    other = parse_policy("Privacy\n\nData\n\nWe keep data for five years.\n")
    unsure = GroundedGenerator(other, model=AbstentionModel(threshold=1.0, closest_threshold=0.0))
    hits = [Hit(c, 0.5, 0.5) for c in other.clauses if "five years" in c.text]
    answer = unsure.answer("How long do you keep my data?", hits)
    assert answer.abstained and answer.closest
    assert answer.text.startswith("I'm not sure the policy answers exactly that.")
    assert "five years" in answer.text and "@" not in answer.text
    assert verify(answer, hits, other, unsure.wording.is_meta) == []


@pytest.mark.parametrize(
    ("sentence", "reported"),
    [
        ("We don't sell or rent your data.", "it doesn't sell or rent your data."),
        ("We never sell or rent it.", "it never sells or rents it."),
        ("We track and record your usage.", "it tracks and records your usage."),
        ("We may share it.", "it may share it."),
        ("We've introduced reporting.", "it has introduced reporting."),
        ("Our vendors are certified.", "its vendors are certified."),
        ("Despite our efforts, we cannot guarantee it.",
         "despite its efforts, it cannot guarantee it."),
        ("Please contact us.", "please contact WorkAllies."),
    ],
)  # fmt: skip
def test_reported_speech(sentence: str, reported: str) -> None:
    assert reported_speech(sentence, "WorkAllies") == reported


def test_sentences_without_first_person_are_kept_as_they_are() -> None:
    assert (
        reported_speech("You have the right to stop receiving direct marketing.", "WorkAllies")
        is None
    )


# ---------------------------------------------------------------- sentence choice and shape


@pytest.mark.parametrize(
    ("question", "clause_ids", "quoted"),
    [
        ("How do I withdraw my consent?", ["sharing-personal-information-with-third-4"],
         "privacy@workallies.com"),
        ("How can I update my personal information?", ["updating-personal-information-1"],
         "account profile settings"),
    ],
)  # fmt: skip
def test_how_do_i_prefers_the_sentence_that_says_how(
    grounded: GroundedGenerator, make_hits: MakeHits, question: str, clause_ids: list[str],
    quoted: str,
) -> None:  # fmt: skip
    answer = grounded.answer(question, make_hits(*clause_ids))
    assert not answer.abstained
    assert any(quoted in c.quote for c in answer.citations), answer.text
    assert len(answer.text.split()) <= 90


def test_an_earlier_sentence_of_a_lead_in_clause_is_said_alone(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    hits = make_hits("how-long-do-we-keep-personal-information-1")
    answer = grounded.answer("How long do you keep my data?", hits)
    assert "only for as long as necessary" in answer.text
    # the "generally keep" sentence is not rendered as if it introduced the list
    assert "purpose [1]:" not in answer.text


def test_a_list_answer_shows_its_lead_in_and_the_first_items(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    # the item retrieval ranked first is among them ("owe money" -> outstanding fees);
    # singling it out changed no dev answer once the selector ordered sentences
    hits = make_hits(
        "how-long-do-we-keep-personal-information-1.3.3",
        "how-long-do-we-keep-personal-information-1.3",
    )
    answer = grounded.answer("Do you keep my info if I owe money?", hits)
    cited = [c.clause_id for c in answer.citations]
    assert cited[0] == "how-long-do-we-keep-personal-information-1.3"
    assert "how-long-do-we-keep-personal-information-1.3.3" in cited
    assert len(cited) <= 1 + MAX_ITEMS


def test_a_specific_question_quotes_the_specific_item(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    hits = make_hits("direct-marketing-1", "direct-marketing-1.2")
    answer = grounded.answer("Do you use my data for marketing?", hits)
    # items that are whole sentences are said as sentences, not crammed into a list
    assert answer.citations[0].clause_id == "direct-marketing-1.1"
    assert len(answer.text.split()) <= 90


def test_an_item_that_points_back_comes_with_the_one_it_points_to(
    grounded: GroundedGenerator, make_hits: MakeHits, policy: Policy
) -> None:
    hits = make_hits("external-links-5.2")
    answer = grounded.answer("What if I tag WorkAllies in a social media post?", hits)
    cited = [c.clause_id for c in answer.citations]
    assert "external-links-5.1" in cited and "external-links-5.2" in cited
    assert verify(answer, hits, policy, grounded.wording.is_meta) == []


def test_the_first_statement_answers_the_last_question_of_a_follow_up(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    hits = make_hits("where-we-store-your-personal-information-1", "cookies-1")
    answer = grounded.answer("Do you use cookies? Where is my data stored?", hits)
    assert answer.citations[0].clause_id == "where-we-store-your-personal-information-1"
    assert not answer.text.startswith(("Yes", "No"))


def test_a_follow_up_does_not_open_with_what_the_user_just_read(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    hits = make_hits("where-we-store-your-personal-information-1", "cookies-1")
    question = "Where is my data stored?"
    before = grounded.answer(question, hits)
    read = before.citations[0]
    after = grounded.answer(question, hits, just_read=(read.start, read.end))
    assert not after.abstained and after.citations[0].start != read.start
    assert verify(after, hits, grounded.policy, grounded.wording.is_meta) == []
    assert grounded.answer(question, hits, just_read=None) == before


def test_a_cross_reference_is_not_the_answer(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    hits = make_hits("how-is-information-collected-by-us-1", "cookies-1")
    answer = grounded.answer("What about cookies?", hits)
    assert "can be found in this Policy" not in answer.citations[0].quote


def test_linking_adverbs_are_dropped_from_the_rendered_sentence(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    answer = grounded.answer("Are my photos public?", make_hits("information-we-collect-4"))
    assert "Furthermore" not in answer.text and "furthermore" not in answer.text
    assert answer.citations[0].quote.startswith("Furthermore")  # the quote stays verbatim


def test_an_item_continuing_another_is_said_after_it_as_sentences(
    grounded: GroundedGenerator, make_hits: MakeHits, policy: Policy
) -> None:
    hits = make_hits("direct-marketing-1.2")
    answer = grounded.answer("Can I opt out of marketing? What about SMS?", hits)
    cited = [c.clause_id for c in answer.citations]
    assert cited[:2] == ["direct-marketing-1.1", "direct-marketing-1.2"], answer.text
    assert "direct marketing [1]:" not in answer.text  # no heading-like lead-in list
    assert verify(answer, hits, policy, grounded.wording.is_meta) == []


def test_a_long_sentence_is_quoted_with_the_one_that_continues_it(
    grounded: GroundedGenerator, make_hits: MakeHits, policy: Policy
) -> None:
    # "We track … web logs …" (35 words) then "This data serves multiple purposes: …":
    # the second says why, so a "why" question asked in other words still gets it
    hits = make_hits("information-we-collect-2")
    answer = grounded.answer("What do you track when I use the site?", hits)
    quotes = [c.quote for c in answer.citations]
    tracked = next(i for i, q in enumerate(quotes) if q.startswith("This means"))
    assert quotes[tracked + 1].startswith("This data serves multiple purposes"), answer.text
    assert verify(answer, hits, policy, grounded.wording.is_meta) == []


def test_capitalised_sentence_starts_are_not_taken_for_names(
    policy: Policy, make_hits: MakeHits
) -> None:
    answering = GroundedGenerator(policy, model=AbstentionModel(threshold=0.0))
    answer = answering.answer(
        "Do you sell my data? My email address?",
        make_hits("sharing-personal-information-with-third-1"),
    )
    assert "doesn't mention" not in answer.text, answer.text


def test_whom_to_email_is_answered_by_the_sentence_that_invites_questions(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    # retrieval ranks the consent-withdrawal sentence (it has the address) first
    hits = make_hits("sharing-personal-information-with-third-4", "contact-us-2")
    answer = grounded.answer("who do I email about privacy stuff", hits)
    assert not answer.abstained  # "stuff" is chat filler, not a topic the policy lacks
    assert answer.citations[0].clause_id == "contact-us-2"
    assert "privacy@workallies.com" in answer.text


def test_the_expanded_reading_keeps_the_users_words_in_focus(grounded: GroundedGenerator) -> None:
    # A concept adds policy vocabulary ("sell" -> "rent", ...); the additions join the
    # question's own sentence, so they never become a follow-up's "last question".
    question = "do you sell my stuff?"
    assert grounded.expander.expand(question).phrases
    reading = grounded._expanded_reading(question)
    parsed = Question.parse(reading, grounded.vocabulary, grounded.intents)
    assert parsed.focus == frozenset()  # one sentence: every word counts fully
    followup = grounded._expanded_reading("Where is my data stored? Do you sell it?")
    parsed = Question.parse(followup, grounded.vocabulary, grounded.intents)
    assert "sell" in parsed.focus and "store" not in parsed.focus


def test_an_item_that_answers_only_through_its_lead_in_is_shown_with_it(
    grounded: GroundedGenerator, policy: Policy, make_hits: MakeHits
) -> None:
    hits = make_hits("how-do-we-use-the-collected-information-3.3")
    answer = grounded.answer("On what legal basis do you process my data?", hits)
    assert answer.citations[0].clause_id == "how-do-we-use-the-collected-information-3"
    assert verify(answer, hits, policy, grounded.wording.is_meta) == []
    # a heading-like lead-in ("Business Transitions:") titles the item; it is not needed
    hits = make_hits("sharing-personal-information-with-third-3.4.1")
    merger = grounded.answer("What happens to my data in a merger or sale?", hits)
    assert merger.citations[0].clause_id == "sharing-personal-information-with-third-3.4.1"


def test_a_near_banked_question_answered_with_several_items_shows_them(
    grounded: GroundedGenerator, policy: Policy, make_hits: MakeHits
) -> None:
    from assistant.question_bank import LEAD_COSINE, BankMatch, BankMatches

    def asked(question: str, named: list[str], cosine: float) -> str:
        spans = tuple((policy.clause(c).start, policy.clause(c).end) for c in named)
        row = BankMatch(cosine, spans, frozenset(named))
        hits = [replace(h, bank_matches=BankMatches((row,))) for h in make_hits(named[1])]
        answer = grounded.answer(question, hits)
        assert verify(answer, hits, policy, grounded.wording.is_meta) == []
        return answer.text

    # a user worded it almost so and was answered with three of the four items
    bases = [f"how-do-we-use-the-collected-information-3.{n}" for n in (1, 3, 4)]
    near = asked("On what legal basis do you process my data?", bases, LEAD_COSINE)
    assert "your consent for a particular purpose" in near.lower()
    assert "support of our legitimate business interests" in near.lower()
    assert "more." not in near  # all it named are shown
    # a banked question further away says nothing about this one
    far = asked("On what legal basis do you process my data?", bases, LEAD_COSINE - 0.05)
    assert "consent" not in far.lower() and "more." not in far
    # named more items than are shown: the reply says how much of the list is left out
    purposes = [f"how-do-we-use-the-collected-information-4.{n}" for n in range(1, 8)]
    cut = asked("What do you use my data for?", purposes, LEAD_COSINE)
    assert f"The policy lists {16 - MAX_ITEMS} more." in cut


def test_a_masked_secret_is_not_named_as_a_missing_topic(
    grounded: GroundedGenerator, policy: Policy, make_hits: MakeHits
) -> None:
    clause = next(c for c in policy.clauses if "sell or rent" in c.text)
    answer = grounded.answer(
        "Do you sell my data? My card is [REDACTED:card_number]", make_hits(clause.id)
    )
    assert not answer.abstained
    assert "REDACTED" not in answer.text and "card_number" not in answer.text


def _selector(rule_weight: float) -> object:
    from assistant.learning.decisions import SentenceSelector
    from assistant.learning.features import SENTENCE_FEATURES
    from assistant.learning.models import LinearModel

    n = len(SENTENCE_FEATURES)
    blank = LinearModel(SENTENCE_FEATURES, (0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0, {})
    return SentenceSelector(replace(blank, thresholds={"rule_weight": rule_weight}))


def test_an_unsure_ranking_shows_a_second_reading_from_another_clause(
    policy: Policy, make_hits: MakeHits
) -> None:
    """With every sentence equally likely (no learned signal) the best gets company from
    another clause; when the ranking is sure, the best sentence leads the same way."""
    hits = make_hits("direct-marketing-1.4", "how-long-do-we-keep-personal-information-1")
    question = "Can I stop receiving direct marketing?"
    unsure = GroundedGenerator(policy, selector=_selector(0.0)).answer(question, hits)  # type: ignore[arg-type]
    sure = GroundedGenerator(policy, selector=_selector(50.0)).answer(question, hits)  # type: ignore[arg-type]
    assert len({c.clause_id for c in unsure.citations}) >= 2
    assert unsure.citations[0].clause_id == sure.citations[0].clause_id
    assert len(sure.citations) <= len(unsure.citations)


def test_a_sentence_that_opens_with_a_condition_states_a_consequence() -> None:
    assert _states_consequence("If we collect data from a minor, we delete it.")
    assert not _states_consequence("We delete data collected from minors.")


def test_off_topic_words_decline_even_when_the_model_is_confident(
    policy: Policy, make_hits: MakeHits
) -> None:
    sure = AbstentionModel(threshold=0.0, closest_threshold=0.0)  # would answer anything
    generator = GroundedGenerator(policy, model=sure)
    hits = make_hits("updating-personal-information-1")
    answer = generator.answer("Can you fix the bug in my javascript code?", hits)
    assert answer.abstained and answer.out_of_scope
    assert not generator.answer("Can you fix the wrong email in my profile?", hits).abstained


def test_an_unsure_ranking_shows_a_second_reading_from_the_same_clause(
    policy: Policy, make_hits: MakeHits
) -> None:
    """One clause retrieved, the ranker unsure between its sentences: the runner-up
    sentence is quoted too (it may be the one that answers); a sure ranking quotes one."""
    clause = next(c for c in policy.clauses if c.id == "how-long-do-we-keep-personal-information-1")
    hits = make_hits(clause.id)
    question = "In what situations would you keep my stuff longer?"
    unsure = GroundedGenerator(policy, selector=_selector(0.0)).answer(question, hits)  # type: ignore[arg-type]
    sure = GroundedGenerator(policy, selector=_selector(50.0)).answer(question, hits)  # type: ignore[arg-type]
    quoted = [c.quote for c in unsure.citations if c.clause_id == clause.id]
    assert len(set(quoted)) >= 2, unsure.text
    assert len(sure.citations) < len(unsure.citations), sure.text


def test_a_failed_answer_says_so_and_never_that_the_policy_is_silent(
    grounded: GroundedGenerator, make_hits: MakeHits, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("a bug in the answer path")

    monkeypatch.setattr(grounded, "_answer", broken)
    hits = make_hits("how-do-we-use-the-collected-information-4.11.3")
    answer = grounded.answer("do you sell my data?", hits)
    assert answer.abstained and not answer.citations
    assert answer.text == grounded.wording.failed
    assert "cover" not in answer.text and "wrong" in answer.text
    assert verify(answer, hits, grounded.policy, grounded.wording.is_meta) == []
