"""A rights request cites the policy clause granting the right first (assistant/rights/grounds)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assistant.policy import Clause, Policy
from assistant.rights import names_the_right, request_citations
from assistant.rights.grounds import CITED, label_of
from assistant.tickets import RequestType as T

# Words of the WorkAllies policy's clause granting each right. The policy names no
# portability right: a copy of one's data is granted by Access, the nearest it grants.
GRANTED_BY = {
    T.ACCESS: "Access: You can request a copy of your personal information",
    T.PORTABILITY: "Access: You can request a copy of your personal information",
    T.RECTIFICATION: "Rectification: You can ask us to correct any inaccurate information",
    T.ERASURE: "Erasure: Under certain conditions, you can request the deletion",
    T.RESTRICTION: "Restriction of Processing: You have the right to limit the processing",
    T.OBJECTION: "Objection to Processing: You can object to automated decision-making",
    T.MARKETING_OPT_OUT: "You have the right to stop receiving direct marketing at any time.",
    T.CONSENT_WITHDRAWAL: "you want to withdraw that consent, please email us",
    T.MINOR_DATA_DELETION: "please contact us at privacy@workallies.com for its deletion",
}


def test_every_type_names_the_clause_granting_it() -> None:
    assert set(GRANTED_BY) == set(T)


@dataclass(frozen=True)
class _Hit:
    clause: Clause


def _clause(policy: Policy, words: str) -> Clause:
    return next(c for c in policy.clauses if words in c.text)


def test_label_of_reads_a_short_leading_name_only() -> None:
    assert label_of("Rectification: You can ask us to correct it.") == "rectification"
    assert label_of("Restriction of Processing: You have the right") == "restriction of processing"
    assert label_of("Direct marketing:") is None  # a heading, granting nothing by itself
    assert label_of("We keep it for 30 days.") is None


def test_a_labelled_item_is_preferred_over_a_better_ranked_hit(fast_assistant) -> None:
    """The profile-page clause outranks the rectification item for a correction search:
    the item labelled with the right's name is still cited first."""
    policy = fast_assistant.policy
    profile = _Hit(_clause(policy, "visiting your account profile page"))
    item = _Hit(_clause(policy, GRANTED_BY[T.RECTIFICATION]))

    def search(query: str, k: int) -> list[_Hit]:
        return [profile, item][:k]

    cited = request_citations(T.RECTIFICATION, search)
    assert [hit.clause.id for hit in cited] == [item.clause.id, profile.clause.id]


def test_without_a_labelled_item_the_best_hit_of_the_grant_search_comes_first(
    fast_assistant,
) -> None:
    policy = fast_assistant.policy
    hits = [_Hit(_clause(policy, words)) for words in ("stop receiving direct", "opt-out by")]
    cited = request_citations(T.MARKETING_OPT_OUT, lambda query, k: hits[:k])
    assert [hit.clause.id for hit in cited] == [hits[0].clause.id, hits[1].clause.id]


def _assert_grant_first(assistant, kind: T) -> None:
    cited = request_citations(kind, assistant.retriever.search)
    assert GRANTED_BY[kind] in cited[0].clause.text, [hit.clause.id for hit in cited]
    assert len(cited) == CITED
    assert len({hit.clause.id for hit in cited}) == CITED


@pytest.mark.parametrize("kind", list(T))
def test_each_request_type_cites_the_clause_granting_it_first(fast_assistant, kind: T) -> None:
    _assert_grant_first(fast_assistant, kind)


def test_a_started_request_replies_with_the_grant_cited_first(fast_assistant) -> None:
    reply = fast_assistant.respond("grounds", "my surname is misspelled, please fix it")
    assert reply.intent == "rights_request"
    assert GRANTED_BY[T.RECTIFICATION] in reply.citations[0].quote


@pytest.fixture(scope="module")
def real_assistant(tmp_path_factory: pytest.TempPathFactory):
    from assistant.config import Settings
    from assistant.session import Assistant

    return Assistant.from_settings(Settings(data_dir=tmp_path_factory.mktemp("grounds-real")))


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(T))
def test_with_the_real_model_each_type_cites_the_grant_first(real_assistant, kind: T) -> None:
    _assert_grant_first(real_assistant, kind)


def test_the_policy_names_every_right_but_portability(fast_assistant) -> None:
    text = fast_assistant.policy.text
    unnamed = {kind for kind in T if not names_the_right(kind, text)}
    assert unnamed == {T.PORTABILITY}
    assert names_the_right(T.PORTABILITY, text + "\nPortability: you can take your data.")
