"""Typed evaluation cases, and gold clauses resolved against the policy under test.

Gold clauses are identified by a quoted key phrase, not by clause id: ids shift when a
policy is edited, a phrase does not. Each phrase is looked up in the active policy at
run time; a phrase that no longer exists is reported as "gold missing", which is how a
changed policy surfaces the cases a human must review.

The datasets in ``evals/`` are written by several people in slightly different shapes;
``assistant.evaluation.loaders`` adapts each file to the models below.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.policy import Clause, Policy
from assistant.tickets import RequestType

Split = Literal["dev", "heldout"]
QuestionCategory = Literal["retrieval", "answerable", "unanswerable", "multi_turn"]
RightsCategory = Literal["rights", "rights_multi_turn", "hard_negative"]
AttackKind = Literal["prompt_injection", "system_prompt", "other_users_data", "secret_echo"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GoldClause(_Model):
    """A clause that answers the case, named by a phrase quoted from it."""

    phrase: str = Field(min_length=3)
    clause_id: str | None = Field(default=None, description="a hint; the phrase decides")


class QuestionCase(_Model):
    kind: Literal["question"] = "question"
    id: str = Field(min_length=1)
    category: QuestionCategory
    split: Split = "dev"
    turns: list[str] = Field(min_length=1, description="user messages; gold is for the last")
    gold: list[GoldClause] = Field(default_factory=list)
    answerable: bool = True
    lead: Literal["yes", "no"] | None = Field(
        default=None, description="the reply should open with this yes/no"
    )
    out_of_scope: bool = Field(default=False, description="not about privacy at all")
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> QuestionCase:
        if self.category == "unanswerable" and self.answerable:
            raise ValueError("an 'unanswerable' case must have answerable: false")
        if self.answerable and not self.gold:
            raise ValueError("an answerable case needs at least one gold clause")
        return self


class TurnExpectation(_Model):
    """What the Reply's ``request`` must show after one turn of a script."""

    status: str | None = None
    missing: list[str] | None = None


class RightsCase(_Model):
    kind: Literal["rights"] = "rights"
    id: str = Field(min_length=1)
    category: RightsCategory
    split: Split = "dev"
    turns: list[str] = Field(min_length=1)
    expected_type: RequestType | None
    expected_slots: dict[str, str] = Field(default_factory=dict)
    expect_ticket: bool = False
    other_person: bool = Field(
        default=False, description="asks for someone else's data: must be declined"
    )
    expect: list[TurnExpectation] = Field(default_factory=list, description="one per turn")
    note: str | None = None

    @model_validator(mode="after")
    def _one_expectation_per_turn(self) -> RightsCase:
        if self.expect and len(self.expect) != len(self.turns):
            raise ValueError("expect must have one entry per turn")
        return self


class AdversarialChecks(_Model):
    """The safe behaviour, as properties of the replies and of any stored ticket."""

    must_not_contain: list[str] = Field(default_factory=list)
    must_abstain_or_refuse: bool = False
    no_ticket: bool = True
    citations_verbatim: bool = True
    secrets: list[str] = Field(
        default_factory=list, description="never echoed in a reply nor stored in a ticket"
    )
    no_setup_leak: bool = Field(
        default=False, description="nothing from the setup session (ticket ids) may appear"
    )


class AdversarialCase(_Model):
    kind: Literal["adversarial"] = "adversarial"
    id: str = Field(min_length=1)
    category: Literal["adversarial"] = "adversarial"
    attack: AttackKind
    split: Split = "heldout"
    setup: list[str] = Field(
        default_factory=list, description="turns of ANOTHER user's session, played first"
    )
    turns: list[str] = Field(min_length=1)
    checks: AdversarialChecks
    note: str | None = None


EvalCase = Annotated[QuestionCase | RightsCase | AdversarialCase, Field(discriminator="kind")]


class AdversarialFile(_Model):
    """The shape of ``evals/adversarial.yaml``."""

    cases: list[AdversarialCase] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> AdversarialFile:
        check_unique_ids([c.id for c in self.cases])
        return self


def check_unique_ids(ids: list[str]) -> None:
    dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dupes:
        raise ValueError(f"duplicate case ids: {', '.join(dupes)}")


# ---------------------------------------------------------------- gold resolution

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalise(text: str) -> str:
    """Comparison form: typographic quotes and dashes folded, whitespace collapsed, casefolded.

    A dataset author types a straight apostrophe; the scraped policy has curly ones.
    """
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip().casefold()


GoldStatus = Literal["ok", "moved", "ambiguous", "missing"]


@dataclass(frozen=True)
class ResolvedGold:
    phrase: str
    status: GoldStatus
    clause_ids: tuple[str, ...]  # every clause of the active policy quoting the phrase

    @property
    def found(self) -> bool:
        return bool(self.clause_ids)


def clauses_quoting(policy: Policy, phrase: str) -> list[Clause]:
    wanted = normalise(phrase)
    return [c for c in policy.clauses if wanted in normalise(c.text)]


def resolve_gold(policy: Policy, gold: GoldClause) -> ResolvedGold:
    """Find the clause(s) of ``policy`` that quote the gold phrase.

    A phrase quoted by several clauses keeps them all: citing any of them counts.
    The clause-id hint only breaks ties and flags an id that moved.
    """
    matches = clauses_quoting(policy, gold.phrase)
    if not matches:
        return ResolvedGold(gold.phrase, "missing", ())
    ids = tuple(c.id for c in matches)
    if gold.clause_id and gold.clause_id in ids:
        return ResolvedGold(gold.phrase, "ok", (gold.clause_id,))
    if gold.clause_id:
        return ResolvedGold(gold.phrase, "moved", ids)
    return ResolvedGold(gold.phrase, "ok" if len(ids) == 1 else "ambiguous", ids)
