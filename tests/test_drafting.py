"""Agent reply drafts: every request, every question, numbered references, tone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from assistant.answering.types import Answer, Citation, JustRead
from assistant.drafting import Draft, draft_reply, questions_in, tone
from assistant.retrieval import Hit


@dataclass
class EchoGenerator:
    """Answers every question with one verbatim policy sentence (picked by a keyword in the
    question), marked [1], and records what it was asked."""

    policy: Any
    asked: list[str] = field(default_factory=list)

    SENTENCES: ClassVar[dict[str, str]] = {
        "sell": "We never sell or rent your personal information",
        "long": "You have one month to receive a response to your request.",
        "cookie": "We use various cookies to optimize your browsing experience.",
    }

    def answer(self, question: str, hits: Sequence[Hit], just_read: JustRead = None) -> Answer:
        self.asked.append(question)
        for word, sentence in self.SENTENCES.items():
            if word in question.lower():
                start = self.policy.text.index(sentence)
                clause = self.policy.clauses[0]
                cite = Citation(clause.id, clause.section, sentence, start, start + len(sentence))
                return Answer(f"The policy says: {sentence} [1]", (cite,))
        return Answer("Not covered.", abstained=True)


class NoRetrieval:
    def search(self, query: str, k: int = 5) -> list[Hit]:
        return []


@dataclass
class FakeAssistant:
    settings: Any
    policy: Any
    generator: EchoGenerator
    retriever: NoRetrieval = field(default_factory=NoRetrieval)


@pytest.fixture()
def fake(fast_assistant: Any) -> FakeAssistant:
    policy = fast_assistant.policy
    return FakeAssistant(fast_assistant.settings, policy, EchoGenerator(policy))


def draft(fake: FakeAssistant, text: str) -> Draft:
    return draft_reply(fake, text)  # type: ignore[arg-type]


ANGRY = (
    "I am SICK of your marketing emails!!! Stop sending me marketing right now. "
    "Did you sell my email address to someone? Honestly just delete my account. "
    "mark.b@example.net"
)


def test_every_request_in_an_email_is_previewed(fake: FakeAssistant) -> None:
    result = draft(fake, ANGRY)
    assert [r.request_type for r in result.requests] == ["marketing_opt_out", "erasure"]
    assert all(r.email == "mark.b@example.net" for r in result.requests)


def test_a_rectification_and_a_copy_are_two_requests(fake: FakeAssistant) -> None:
    result = draft(
        fake,
        "Please change my surname on my profile to Horvat. I would also like a copy of the "
        "data you have stored about me. ana.horvat@example.com",
    )
    assert [r.request_type for r in result.requests] == ["rectification", "access"]
    assert result.requests[0].email == "ana.horvat@example.com"


@pytest.mark.parametrize(
    "text",
    [
        "If I delete my account, what happens to my reviews?",
        "Do you sell my data? How long do you keep it?",
        "How would I get a copy of my data, and how long would that take?",
    ],
)
def test_questions_alone_make_no_ticket(fake: FakeAssistant, text: str) -> None:
    assert draft(fake, text).requests == []


def test_questions_are_answered_even_beside_a_request(fake: FakeAssistant) -> None:
    result = draft(
        fake,
        "Please stop sending me promotional emails. Did you sell my address? "
        "Also, how long will it take you to respond to this? lena@example.com",
    )
    assert [r.request_type for r in result.requests] == ["marketing_opt_out"]
    assert fake.generator.asked == [
        "Did you sell my address?",
        "Also, how long will it take you to respond to this?",
    ]
    assert len(result.citations) == 2
    assert "We never sell or rent" in result.reply_text
    assert "one month to receive a response" in result.reply_text


def test_references_are_a_numbered_list_at_the_end(fake: FakeAssistant) -> None:
    result = draft(fake, "Do you sell my data? And do you use cookies?")
    body, references = result.reply_text.split("References (", 1)
    assert not re.search(r"\[\d+\]", body)  # no markers in the prose
    numbered = re.findall(r"^(\d+)\. .*“(.+)”$", references, re.MULTILINE)
    assert [n for n, _ in numbered] == ["1", "2"]
    assert [q for _, q in numbered] == [c.quote for c in result.citations]
    for citation in result.citations:
        assert fake.policy.text[citation.start : citation.end] == citation.quote


def test_an_upset_customer_gets_an_apology(fake: FakeAssistant) -> None:
    assert "sorry" in draft(fake, ANGRY).reply_text.lower()
    assert "sorry" not in draft(fake, "Do you sell my data?").reply_text.lower()
    assert tone("This is unacceptable. Who can see my profile?") == "apology"
    assert tone("My son is 15 and I am worried. Who can see his profile?") == "concern"
    assert tone("Under the GDPR, what are my rights?") == "thanks"


def test_nothing_is_said_to_be_filed_before_it_is(fake: FakeAssistant) -> None:
    text = draft(fake, ANGRY).reply_text.lower()
    assert not re.search(r"\b(?:filed|received|logged|created|submitted)\b", text)


def test_no_statement_is_repeated(fake: FakeAssistant) -> None:
    result = draft(fake, "Do you sell my data? Did you sell my email to advertisers?")
    body = result.reply_text.split("References (", 1)[0]
    assert body.count("We never sell or rent your personal information") == 1
    assert len(result.citations) == 1


def test_a_missing_email_is_asked_for(fake: FakeAssistant) -> None:
    result = draft(fake, "Please delete my account and all my data.")
    assert result.requests[0].email is None and "email" in result.requests[0].missing
    assert "email address linked to" in result.reply_text


def test_self_service_is_mentioned_next_to_an_opt_out(fake: FakeAssistant) -> None:
    assert "unsubscribe link" in draft(fake, "Stop sending me marketing emails.").reply_text


def test_unanswered_questions_point_to_the_privacy_team(fake: FakeAssistant) -> None:
    result = draft(fake, "What is your DPO's name?")
    assert result.abstained and not result.citations
    assert "privacy@workallies.com" in result.reply_text


def test_questions_are_split_and_read_with_what_they_point_back_to() -> None:
    found = questions_in(
        "Hi,\nIf I delete my account, what happens to my reviews? Would people still see them?"
        "\nCan you delete my account?\nWhy??"
    )
    assert [q.asked for q in found] == [
        "If I delete my account, what happens to my reviews?",
        "Would people still see them?",
    ]
    assert found[1].query.startswith("If I delete my account")


def test_a_customer_message_is_kept_redacted(fake: FakeAssistant) -> None:
    result = draft(fake, "Delete my account. My password is Hunter2!x, email a@example.com")
    assert result.secrets_removed and "Hunter2" not in result.customer_message
    assert "a@example.com" in result.customer_message


def test_the_quoted_thread_asks_nothing(fake: FakeAssistant) -> None:
    result = draft(
        fake,
        "Please update my phone number to +44 7700 900123 and tell me who you sell it to.\n\n"
        "On Monday, WorkAllies Support <support@workallies.com> wrote:\n"
        "> Do you want us to delete your account? Do you use cookies?",
    )
    assert [r.request_type for r in result.requests] == ["rectification"]
    assert result.questions == ["Who you sell it to?"]
    assert "> Do you want us" in result.customer_message  # staff still see the whole email


def test_a_parent_is_asked_for_their_own_email_and_the_childs_username(
    fake: FakeAssistant,
) -> None:
    result = draft(fake, "My daughter is 16 and made an account. Please delete her account.")
    assert [r.request_type for r in result.requests] == ["minor_data_deletion"]
    assert "your own email address" in result.reply_text
    assert "child's WorkAllies username" in result.reply_text


def test_a_right_the_policy_never_names_is_said_so_with_the_nearest(fast_assistant: Any) -> None:
    """As in the chat: the policy names no portability right, so the draft says so and
    cites the nearest right it grants first, before filing the request anyway."""
    result = draft_reply(fast_assistant, "Please send me my data in a machine-readable format.")
    assert [r.request_type for r in result.requests] == ["portability"]
    assert "does not mention a portable copy of your personal data" in result.reply_text
    first = result.citations[0]
    assert first.quote.startswith("Access:")
    assert fast_assistant.policy.text[first.start : first.end] == first.quote
    assert f"1. {first.section}: “{' '.join(first.quote.split())}”" in result.reply_text


def test_a_right_the_policy_names_gets_no_such_note(fast_assistant: Any) -> None:
    result = draft_reply(fast_assistant, "Please send me a copy of my data.")
    assert [r.request_type for r in result.requests] == ["access"]
    assert "does not mention" not in result.reply_text
