"""The answering templates (assistant/templates/answering.yaml), validated."""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.brand import brand_of
from assistant.policy import Policy
from assistant.templates import load_template


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Leads(_Strict):
    yes: str
    no: str
    qualified_yes: str


class Partial(_Strict):
    unknown_terms: str
    no_period: str


class IntentWords(_Strict):
    pattern: str  # a regular expression over the question's lower-cased words
    add: list[str] = Field(min_length=1)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value


class VocabularyWords(_Strict):
    generic: list[str]
    privacy: list[str]
    off_topic: list[str]
    hedges: list[str]
    duration_questions: list[str]
    durations: list[str]
    intents: list[IntentWords] = []
    synonyms: list[list[str]] = Field(min_length=1)


class LlmPrompts(_Strict):
    system: str
    instructions: str
    clause: str


class Wording(_Strict):
    leads: Leads
    reported: str
    quoted: str
    list_more: str
    partial: Partial
    abstention: str
    abstention_no_contact: str
    failed: str
    closest: str
    closest_no_contact: str
    contact_cues: list[str]
    out_of_scope: str
    vocabulary: VocabularyWords
    llm: LlmPrompts
    # The company statements are reported of ("{company} says ..."): not in the YAML but
    # the policy's own (assistant.brand), set by ``for_company``.
    company: str = ""

    def for_company(self, company: str) -> Wording:
        return self.model_copy(update={"company": company})

    def for_policy(self, policy: Policy) -> Wording:
        """This wording for ``policy``'s company, unless one is set already."""
        return self if self.company else self.for_company(brand_of(policy).name)

    def meta_patterns(self) -> list[re.Pattern[str]]:
        """Our own remarks about the policy, which carry no citation by design: each
        sentence of these templates that has no citation marker of its own."""
        templates = [
            self.list_more,
            self.partial.unknown_terms,
            self.partial.no_period,
            self.abstention,
            self.abstention_no_contact,
            self.failed,
            self.closest,
            self.closest_no_contact,
        ]
        sentences = [s for t in templates for s in re.split(r"(?<=[.!?])\s+", t.strip())]
        # a sentence that carries a quoted passage or a marker is checked like any other
        cited = ("[", "{passage}", "{marker}")
        return [_template_regex(s) for s in sentences if s and not any(c in s for c in cited)]

    def is_meta(self, sentence: str) -> bool:
        return any(p.fullmatch(sentence.strip()) for p in self.meta_patterns())


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{\w+\}", template)
    return re.compile(".+?".join(re.escape(p) for p in parts))


@cache
def load_wording() -> Wording:
    return Wording.model_validate(load_template("answering"))
