from __future__ import annotations

import pytest

from assistant.evaluation.coverage import Checklist, check_coverage, default_checklist
from assistant.policy import Policy

GDPR_ART_13_ITEMS = {
    "controller_identity",
    "dpo_contact",
    "purposes",
    "legal_bases",
    "legitimate_interests",
    "recipients",
    "international_transfers",
    "retention",
    "right_of_access",
    "right_to_rectification",
    "right_to_erasure",
    "right_to_restriction",
    "right_to_object",
    "right_to_portability",
    "complaint_to_supervisory_authority",
    "consent_withdrawal",
    "statutory_or_contractual_requirement",
    "automated_decision_making",
}


def _by_status(policy: Policy) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"covered": set(), "partial": set(), "missing": set()}
    for item in check_coverage(policy).items:
        found[item.status].add(item.id)
    return found


def test_the_checklist_has_every_art_13_item() -> None:
    assert {item.id for item in default_checklist().items} == GDPR_ART_13_ITEMS


def test_the_shipped_policy_lacks_what_a_reader_finds_lacking(shipped: Policy) -> None:
    """Verified by reading corpus/: no DPO, no portability, no supervisory authority; only
    "as long as necessary" for retention; ADM named only as something one can object to."""
    status = _by_status(shipped)
    assert status["missing"] == {
        "dpo_contact",
        "right_to_portability",
        "complaint_to_supervisory_authority",
    }
    assert status["partial"] == {
        "retention",
        "statutory_or_contractual_requirement",
        "automated_decision_making",
    }


def test_evidence_is_verbatim_and_names_its_clause(shipped: Policy) -> None:
    report = check_coverage(shipped)
    evidence = [e for item in report.items for e in item.evidence]
    assert evidence
    for e in evidence:
        assert shipped.text[e.start : e.end] == e.quote
        clause = shipped.clause(e.clause_id)
        assert clause.start <= e.start < e.end <= clause.end


def test_covered_items_cite_the_clause_that_says_it(shipped: Policy) -> None:
    report = check_coverage(shipped)
    transfers = next(i for i in report.items if i.id == "international_transfers")
    assert {e.clause_id for e in transfers.evidence} == {
        "where-we-store-your-personal-information-1"
    }
    assert any("standard contractual clauses" in e.quote for e in transfers.evidence)


def test_v2_flips_retention_and_portability(shipped: Policy, v2: Policy) -> None:
    before, after = check_coverage(shipped), check_coverage(v2)
    assert (before.status_of("retention"), after.status_of("retention")) == ("partial", "covered")
    flipped = (before.status_of("right_to_portability"), after.status_of("right_to_portability"))
    assert flipped == ("missing", "covered")
    retention = next(i for i in after.items if i.id == "retention")
    assert "24 months" in retention.evidence[0].quote
    # a dpo@ mailbox alone is not a named data protection officer
    assert after.status_of("dpo_contact") == "partial"


def test_adding_portability_and_complaint_rights_flips_both(with_new_rights: Policy) -> None:
    report = check_coverage(with_new_rights)
    assert report.status_of("right_to_portability") == "covered"
    assert report.status_of("complaint_to_supervisory_authority") == "covered"
    complaint = next(i for i in report.items if i.id == "complaint_to_supervisory_authority")
    assert "supervisory authority" in complaint.evidence[0].quote


def test_a_complaint_about_something_else_does_not_count(shipped: Policy) -> None:
    """The shipped policy says "complaints or disputes" (retention) and nothing more."""
    assert "complaints" in shipped.text
    assert check_coverage(shipped).status_of("complaint_to_supervisory_authority") == "missing"


def test_checklist_rejects_an_invalid_pattern() -> None:
    item = {
        "id": "x",
        "article": "13",
        "title": "x",
        "concepts": [{"name": "c", "patterns": ["("]}],
    }
    with pytest.raises(ValueError, match="invalid pattern"):
        Checklist.model_validate({"version": 1, "items": [item]})
