"""An email to another company: its name opens questions and addresses requests."""

from __future__ import annotations

from assistant.brand import brand_of
from assistant.drafting import previews, questions_in
from assistant.policy import Policy


def test_a_question_about_acme_by_name_is_a_question(acme_policy: Policy) -> None:
    acme = brand_of(acme_policy)
    email = "Hello. Does acme keep my projects after I leave. Thanks"
    assert [q.asked for q in questions_in(email, acme)] == [
        "Does acme keep my projects after I leave."
    ]
    assert questions_in(email) == []  # under the shipped policy, "acme" is nobody


def test_a_request_to_acme_is_previewed_without_its_own_address(acme_policy: Policy) -> None:
    acme = brand_of(acme_policy)
    email = "Why are acme still emailing me? I got your address privacy@acme.com from the site."
    found = previews(email, acme)
    assert [(p.request_type, p.email) for p in found] == [("marketing_opt_out", None)]
