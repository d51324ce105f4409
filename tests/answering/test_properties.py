"""Properties: for any question and any real clauses as hits, ``answer()`` returns, and
every citation it makes is verbatim with exact offsets and passes verification."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.answering import GroundedGenerator, verify
from assistant.answering.evaluation import is_verbatim
from assistant.policy import Policy, load_policy
from assistant.retrieval import Hit
from tests.conftest import POLICY_PATH

POLICY: Policy = load_policy(POLICY_PATH)
GENERATOR = GroundedGenerator(POLICY)

VOCABULARY = (
    "do you can i my data sell share keep delete cookies why how long children "
    "marketing stop rights the policy what weather poem not don't never "
    "Facebook HIPAA ? , ."
)

questions = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.sampled_from(VOCABULARY.split()),
        max_size=14,
    ).map(" ".join),
)
hits = st.lists(
    st.tuples(st.sampled_from(POLICY.clauses), st.floats(-1.0, 1.0), st.floats(0.0, 20.0)),
    max_size=8,
    unique_by=lambda t: t[0].id,
).map(
    lambda rows: [
        Hit(clause=c, score=1.0 / (i + 1), similarity=sim, lexical=lex)
        for i, (c, sim, lex) in enumerate(rows)
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=questions, retrieved=hits)
def test_any_answer_is_verified_and_verbatim(question: str, retrieved: list[Hit]) -> None:
    answer = GENERATOR.answer(question, retrieved)
    assert answer.text.strip()
    assert all(is_verbatim(c, POLICY) for c in answer.citations)
    assert verify(answer, retrieved, POLICY, GENERATOR.wording.is_meta) == []
    if answer.out_of_scope:
        assert answer.abstained and answer.citations == ()
