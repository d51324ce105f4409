"""The LLM path with LangChain's fake chat models: verified answers pass, anything else
falls back to the grounded answer. Never the network."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.answering import (
    GeneratorConfigError,
    GroundedGenerator,
    LLMGenerator,
    build_generator,
    parse_reply,
    verify,
)
from assistant.config import Settings
from assistant.policy import Policy
from tests.answering.conftest import MakeHits

SELL = "sharing-personal-information-with-third-1"
NEVER = "sharing-personal-information-with-third-4"
QUESTION = "Do you sell my personal data?"
QUOTE = (
    "We don't sell or rent your personal information to third parties for their "
    "marketing purposes without your permission."
)


def _reply(**overrides: Any) -> str:
    data: dict[str, Any] = {
        "answer": "No. WorkAllies says it does not sell or rent your personal information [1].",
        "citations": [{"clause_id": SELL, "quote": QUOTE}],
        "abstain": False,
    }
    data.update(overrides)
    return json.dumps(data)


def _llm(policy: Policy, grounded: GroundedGenerator, *responses: str) -> LLMGenerator:
    return LLMGenerator(FakeListChatModel(responses=list(responses)), policy, grounded)


def test_a_verified_llm_answer_passes_through(
    policy: Policy, grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    hits = make_hits(SELL, NEVER)
    answer = _llm(policy, grounded, _reply()).answer(QUESTION, hits)
    assert answer.text.startswith("No. WorkAllies says it does not sell")
    assert [c.quote for c in answer.citations] == [QUOTE]
    assert verify(answer, hits, policy) == []


@pytest.mark.parametrize(
    "raw",
    [
        _reply(citations=[{"clause_id": "sharing-personal-information-with-third-42",
                           "quote": QUOTE}]),
        _reply(citations=[{"clause_id": SELL, "quote": "We never sell your data to anyone."}]),
        '{"answer": "No [1]", "citations": [{"clause_id": ',
        "I think the answer is no.",
        _reply(answer="No. WorkAllies does not sell data [1]. It also deletes everything."),
        _reply(answer="No. WorkAllies does not sell data [2]."),
        _reply(citations=[{"clause_id": "cookies-1", "quote": "We use various cookies"}]),
        _reply(answer="No. It does not [1].", citations=[]),
    ],
    ids=["fabricated-id", "paraphrased-quote", "malformed-json", "no-json",
         "unmarked-sentence", "marker-without-citation", "not-retrieved", "no-citations"],
)  # fmt: skip
def test_a_bad_llm_answer_is_replaced_by_the_grounded_one(
    policy: Policy, grounded: GroundedGenerator, make_hits: MakeHits, raw: str
) -> None:
    hits = make_hits(SELL, NEVER)
    answer = _llm(policy, grounded, raw).answer(QUESTION, hits)
    assert answer == grounded.answer(QUESTION, hits)


def test_a_quote_differing_only_in_whitespace_is_repaired_to_the_exact_text(
    policy: Policy, grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    sloppy = QUOTE.replace("don't", "don’t").replace(" third parties", "\n   third parties")
    raw = "```json\n" + _reply(citations=[{"clause_id": SELL, "quote": sloppy}]) + "\n```"
    hits = make_hits(SELL)
    answer = _llm(policy, grounded, raw).answer(QUESTION, hits)
    assert answer.citations[0].quote == QUOTE
    assert policy.text[answer.citations[0].start : answer.citations[0].end] == QUOTE


def test_an_llm_abstention_cites_the_contact_route(
    policy: Policy, grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    raw = json.dumps({"answer": "", "citations": [], "abstain": True})
    answer = _llm(policy, grounded, raw).answer(QUESTION, make_hits(SELL))
    assert answer.abstained
    assert ["privacy@workallies.com" in c.quote for c in answer.citations] == [True]


def test_out_of_scope_questions_never_reach_the_model(
    policy: Policy, grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    model = FakeListChatModel(responses=[_reply()])
    llm = LLMGenerator(model, policy, grounded)
    answer = llm.answer("Tell me a joke.", make_hits("introduction-2", similarity=0.1))
    assert answer.out_of_scope
    assert model.i == 0  # the fake's response cursor never moved


def test_the_prompt_numbers_the_retrieved_clauses(
    policy: Policy, grounded: GroundedGenerator, make_hits: MakeHits
) -> None:
    messages = _llm(policy, grounded, _reply()).prompt(QUESTION, make_hits(SELL, NEVER))
    system, human = messages[0][1], messages[1][1]
    assert "character for character" in system
    assert SELL in human and NEVER in human and QUESTION in human
    assert '"abstain"' in human


def test_parse_reply_tolerates_prose_around_the_json() -> None:
    parsed = parse_reply("Sure! Here it is:\n" + _reply() + "\nHope that helps.")
    assert parsed.citations[0].clause_id == SELL


def test_build_generator_grounded_by_default(policy: Policy) -> None:
    assert isinstance(build_generator(Settings(), policy=policy), GroundedGenerator)


def test_a_missing_provider_package_names_what_to_install(
    policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "langchain_openai", None)  # import fails as if absent
    with pytest.raises(GeneratorConfigError, match=r"pip install langchain-openai"):
        build_generator(Settings(generator="openai:gpt-4o-mini"), policy=policy)


def test_an_unknown_provider_is_a_clear_error(policy: Policy) -> None:
    with pytest.raises(GeneratorConfigError, match="nosuchprovider"):
        build_generator(Settings(generator="nosuchprovider:model"), policy=policy)
