"""Yes/no leads: question polarity x clause polarity x modality, over many phrasings.

Each case pairs a question with the policy sentence that answers it (a real clause), so
the lead is judged on the policy's own words, not on a fixture written to match.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.answering import GroundedGenerator
from assistant.answering.polarity import lead_for, yes_no_question
from tests.answering.conftest import MakeHits

OPT_OUT = "sharing-personal-information-with-third-2"  # "... you can opt-out by using the link"
STOP = "direct-marketing-1.4"  # "You have the right to stop receiving direct marketing ..."
NO_SALE = "sharing-personal-information-with-third-1"  # "We don't sell or rent ..."
MINORS = "children-1"  # "... Minors under 18 are prohibited from accessing the Site ..."
DNT = "do-not-track-1"  # "We do not honor browser requests not to be tracked online"
PROVIDERS = "sharing-personal-information-with-third-3.1.3"  # "Contracts ... prohibit the use"
CREDIT = "sharing-personal-information-with-third-3.3.2"  # "While we don't collect credit ..."
ERASURE = "your-data-protection-rights-4"  # "Under certain conditions, you can request ..."
COOKIES = "cookies-1"  # "We use various cookies ..."
STRIVE = "security-1.5"  # "we strive to safeguard ..., ... not entirely secure"
GUARANTEE = "security-1.6"  # "Despite our efforts, we cannot guarantee the security ..."
COURTS = "sharing-personal-information-with-third-3.2.1"  # "... may be disclosed in response to"
IDENTITY = "your-data-protection-rights-7"  # "... confirm your identity ... before fulfilling"
ACCESS = "your-data-protection-rights-2"  # "You can request a copy ... how and why it's processed"
OVERSEE = "external-links-5.3"  # "Workallies does not oversee these terms ..." (social network)
LINKED = "external-links-2"  # "Data provided to ... these third-party sites is beyond ... control"
SHARING = "sharing-personal-information-with-third-3"  # "We may share ... only to operate"
BASES = "how-do-we-use-the-collected-information-1"  # "... and/or with your consent"
CONSENT_ITEM = "how-do-we-use-the-collected-information-3.1"  # "Your consent for a particular ..."
RESPONSE = "your-data-protection-rights-8"  # "You have one month to receive a response ..."

CASES = [
    # words that frame the question ("find out", "being") are not what it asks about
    ("Can I find out why my data is being processed?", ACCESS, "Yes."),
    ("do u sell my data", NO_SALE, "No."),  # chat-speak is spelled out first
    # "social networks" is in the item's lead-in, "oversee" (the head) in the sentence
    ("Does WorkAllies oversee the privacy policies of social networks?", OVERSEE, "No."),
    # "you can / you have the right" answers "Can I ...?" with yes
    ("Can I opt out of marketing emails?", OPT_OUT, "Yes."),
    ("Can I opt out of marketing?", OPT_OUT, "Yes."),
    ("Is it possible to opt out of marketing messages?", OPT_OUT, "Yes."),
    ("Am I able to opt-out of marketing?", OPT_OUT, "Yes."),
    ("Can I stop receiving direct marketing?", STOP, "Yes."),
    ("Can I unsubscribe from marketing?", STOP, "Yes."),
    ("Could I stop your marketing emails?", STOP, "Yes."),
    # "we do not / never" answers "Do you ...?" with no
    ("Do you sell my personal data?", NO_SALE, "No."),
    ("Do you rent my information to marketers?", NO_SALE, "No."),
    ("Will you sell my details?", NO_SALE, "No."),
    ("Don't you sell my data?", NO_SALE, "No."),
    ("Do you respect Do Not Track signals?", DNT, "No."),
    ("Do you honour do not track?", DNT, "No."),
    ("Do you collect my credit information?", CREDIT, "No."),
    ("Can you guarantee my data is secure?", GUARANTEE, "No."),
    # a prohibition after the subject still negates ("Minors ... are prohibited from")
    ("Can teenagers use the site?", MINORS, "No."),
    ("Are minors allowed to access the site?", MINORS, "No."),
    ("Can service providers use my data for their own marketing?", PROVIDERS, "No."),
    # plain affirmation
    ("Do you use cookies?", COOKIES, "Yes."),
    # hedged ("may", "under certain conditions"): a qualified yes
    ("Can I ask you to delete my data?", ERASURE, "In some cases, yes."),
    ("Will you give my details to the courts?", COURTS, "In some cases, yes."),
    # "solely"/"exclusively" answers a question about something else with no
    ("Does this policy apply to other websites?", "external-links-4", "No."),
    (
        "Does this policy apply to information collected by the Site?",
        "external-links-4",
        "Yes.",
    ),
    # a negated question flips the answer
    ("Do you not use cookies?", COOKIES, "No."),
    # the policy's own period, or none named ("a month"), still leads
    ("Will I get a response to my request within one month?", RESPONSE, "Yes."),
    ("Will I get a response to my request within a month?", RESPONSE, "Yes."),
]


@pytest.mark.parametrize(("question", "clause_id", "lead"), CASES)
def test_leads_follow_question_and_clause_polarity(
    grounded: GroundedGenerator, make_hits: MakeHits, question: str, clause_id: str, lead: str
) -> None:
    answer = grounded.answer(question, make_hits(clause_id))
    assert not answer.abstained, answer.notes
    assert answer.text.startswith(lead + " "), answer.text
    others = {"Yes.", "No.", "In some cases, yes."} - {lead}
    assert not answer.text.startswith(tuple(o + " " for o in others))


@pytest.mark.parametrize(
    ("question", "clause_id"),
    [
        ("Who do you sell my data to?", NO_SALE),  # not a yes/no question
        ("Why do you use cookies?", COOKIES),
        ("Do you use cookies? Why?", COOKIES),  # the last question is the one answered
        ("Do you collect data from children? What if you do by accident?", MINORS),
        ("Do you delete my data when I close my account?", MINORS),  # not what it says
        # "... before fulfilling your request": a condition, not a promise to fulfil
        ("Will you fulfil a request that would expose another user's data?", IDENTITY),
        # the sentence never says whether WorkAllies is responsible: no "Yes."
        ("Are you responsible for third-party websites linked from your site?", LINKED),
        # the sites are named, their coverage denied ("not governed"): split, no lead
        ("are linked sites covered by this privacy policy?", LINKED),
        ("are other websites linked from workallies covered by the policy", LINKED),
        # a question that restricts ("only") is not answered by a sentence naming one of many
        ("is consent the only reason you may use my information?", BASES),
        ("is legal compliance the only purpose you use my personal information for?", BASES),
        # "always" is not answered by "under certain conditions" with "In some cases, yes."
        ("will you always erase my personal information whenever i ask?", ERASURE),
        # nor "for everything" by one of several alternatives, "... and/or with your
        # consent" (blind 18: "Yes.")
        ("does workallies need my consent for everything it does with my data", BASES),
        # nor by one item of a list of them ("processing is justified based on: Your
        # consent for a particular purpose."; the live app said "Yes.")
        ("does workallies need my consent for everything it does with my data", CONSENT_ITEM),
        # nor is "for any reason" by "may share ... only to operate the Service" (blind 16)
        ("Do you share personal details with third parties for just any reason you like?", SHARING),
        # "beyond WorkAllies' control" denies control
        ("Do you have control over the third-party sites you link to?", LINKED),
        ("do you control the websites linked from workallies", LINKED),
        # "if you'd rather not receive marketing": a negated condition denies nothing
        ("do u personalise ads using my data", OPT_OUT),
        # about payment vendors, silent on advertising: "vendors" cannot stand for "advertise"
        ("Can payment vendors use my information to advertise to me?", CREDIT),
        # the head word said both ways: "strive to safeguard" and "not entirely secure"
        ("Is my data safe?", STRIVE),
        ("is my data transferred abroad? is that safe though", STRIVE),
        # the subject leads, its predicate is denied; "safeguard" is not "secure" (blind 18)
        ("is internet data transmission to ur site totally secure", STRIVE),
        # another period than the policy's "one month": which way it goes needs arithmetic
        ("is it true you can take 3 months to reply to my access request?", RESPONSE),
    ],
)
def test_no_lead_when_the_question_or_the_sentence_does_not_call_for_one(
    grounded: GroundedGenerator, make_hits: MakeHits, question: str, clause_id: str
) -> None:
    answer = grounded.answer(question, make_hits(clause_id))
    assert not answer.text.startswith(("Yes", "No", "In some cases")), answer.text


def test_an_alternative_answers_a_plain_question_but_not_a_universal_one(
    grounded: GroundedGenerator,
) -> None:
    sentence = "We process your data for contractual obligations and/or with your consent."
    plain = yes_no_question("do you use my data with my consent", grounded.vocabulary)
    universal = yes_no_question("do you need my consent for everything", grounded.vocabulary)
    assert plain is not None and universal is not None and universal.universal
    assert lead_for(plain, sentence, grounded.vocabulary, grounded.hedges) == "yes"
    assert lead_for(universal, sentence, grounded.vocabulary, grounded.hedges) is None
    single = "We process your data with your consent."
    assert lead_for(universal, single, grounded.vocabulary, grounded.hedges) == "yes"
    assert lead_for(universal, single, grounded.vocabulary, grounded.hedges, listed=True) is None
    # an "or" after the head joins what it is about, not alternatives to it (dev: three
    # right leads lost when any "or" in the clause counted)
    periodic = yes_no_question("should i check this policy every now and then", grounded.vocabulary)
    after = "We recommend checking this Policy periodically for any updates or changes."
    assert periodic is not None and periodic.universal
    assert lead_for(periodic, after, grounded.vocabulary, grounded.hedges) == "yes"


def test_a_negation_in_another_clause_of_the_sentence_does_not_count(
    grounded: GroundedGenerator,
) -> None:
    asked = yes_no_question("Can I opt out of marketing?", grounded.vocabulary)
    assert asked is not None
    sentence = "If you'd rather not receive marketing messages from us, you can opt-out."
    assert lead_for(asked, sentence, grounded.vocabulary, grounded.hedges) == "yes"
    negated = "You cannot opt-out of marketing messages."
    assert lead_for(asked, negated, grounded.vocabulary, grounded.hedges) == "no"


def test_the_yes_no_question_is_read_from_the_last_sentence(
    grounded: GroundedGenerator,
) -> None:
    vocabulary = grounded.vocabulary
    assert yes_no_question("What do you collect? Do you sell it?", vocabulary) is not None
    assert yes_no_question("Do you sell my data? Who to?", vocabulary) is None


@pytest.mark.parametrize(
    ("question", "not_asserted", "asserted"),
    [
        # a predicate inside an adverbial clause is a condition or a time
        ("Will you fulfil my request?",
         "We may need to confirm your identity before fulfilling your request.",
         "We will fulfil your request within one month."),
        # what a sentence says something is without
        ("Is my data safe there?",
         "Transfers to countries without adequate data protection are governed by clauses.",
         "Your data is kept safe by our security measures."),
    ],
)  # fmt: skip
def test_a_predicate_the_sentence_does_not_assert_gives_no_lead(
    grounded: GroundedGenerator, question: str, not_asserted: str, asserted: str
) -> None:
    asked = yes_no_question(question, grounded.vocabulary)
    assert asked is not None
    assert lead_for(asked, not_asserted, grounded.vocabulary, grounded.hedges) is None
    assert lead_for(asked, asserted, grounded.vocabulary, grounded.hedges) == "yes"


def test_a_question_after_a_condition_is_still_a_yes_no_question(
    grounded: GroundedGenerator,
) -> None:
    asked = yes_no_question(
        "If I delete my portfolio, could copies still exist?", grounded.vocabulary
    )
    assert asked is not None and asked.predicate[0] == "copi"  # the condition is not asked
    sentence = "If you delete your content, copies may still be accessible in cached pages."
    assert lead_for(asked, sentence, grounded.vocabulary, grounded.hedges) == "qualified_yes"
    assert yes_no_question("If I delete my portfolio, what happens?", grounded.vocabulary) is None


def test_a_predicate_inside_an_if_clause_is_not_asserted(grounded: GroundedGenerator) -> None:
    asked = yes_no_question("If I delete my posts, are they gone for good?", grounded.vocabulary)
    assert asked is not None
    sentence = "If you delete your content from the Site, copies may still be accessible."
    assert lead_for(asked, sentence, grounded.vocabulary, grounded.hedges) is None


def test_use_is_not_the_head_of_what_it_is_used_for(grounded: GroundedGenerator) -> None:
    asked = yes_no_question("Do you use my data to publish content for me?", grounded.vocabulary)
    assert asked is not None and asked.predicate[0] == "publish"
    sentence = "Creating and publishing content tailored to you."
    context = "Using your personal information for various business purposes:"
    lead = lead_for(asked, sentence, grounded.vocabulary, grounded.hedges, context)
    assert lead == "yes"
    cookies = yes_no_question("Do you use cookies?", grounded.vocabulary)
    assert cookies is not None and cookies.predicate[0] == "cooki"
    # "use" alone names nothing to check a sentence against ("by using the link")
    assert yes_no_question("Can I find out how you are using my data?", grounded.vocabulary) is None


def test_a_question_with_its_own_exception_gets_no_lead(grounded: GroundedGenerator) -> None:
    for question in (
        "Will you use my data for other purposes without asking me?",
        "Do you share my data unless I object?",
    ):
        assert yes_no_question(question, grounded.vocabulary) is None


def test_a_sentence_that_says_both_takes_no_lead_from_the_question_bank_either(
    grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    from assistant.question_bank import BankMatch, BankMatches

    # a banked "can you guarantee ...?" answered "no" from the same clause
    lent = BankMatches((BankMatch(0.95, ((0, 5),), frozenset({STRIVE}), lead="no"),), None)
    hits = [replace(hit, bank_matches=lent) for hit in make_hits(STRIVE)]
    answer = grounded.answer("is my data secure with you?", hits)
    assert not answer.abstained, answer.notes
    assert not answer.text.startswith(("Yes", "No", "In some cases")), answer.text
