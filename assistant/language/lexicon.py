"""The language layer's word lists, typed: ``assistant/templates/language.yaml`` and the
follow-up words of ``assistant/templates/conversation.yaml``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, cached_property

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.templates import load_template


class PolarityWords(BaseModel):
    """``polarity:`` in language.yaml: the words yes/no leads are decided on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prohibitions: frozenset[str] = Field(min_length=1)
    contrastive: frozenset[str] = Field(min_length=1)
    restrictive: frozenset[str] = Field(min_length=1)
    restricting: frozenset[str] = Field(min_length=1)  # phrases
    universal: frozenset[str] = Field(min_length=1)
    modality: frozenset[str] = Field(min_length=1)
    framing: frozenset[str] = Field(min_length=1)
    instrumental: frozenset[str] = Field(min_length=1)
    conditions: frozenset[str] = Field(min_length=1)


class Lexicon(BaseModel):
    """Every word list the layer reads; validated once (unknown keys fail)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stopwords: frozenset[str] = Field(min_length=1)
    scaffolding: frozenset[str] = frozenset()
    auxiliaries: frozenset[str] = Field(min_length=1)
    wh_words: frozenset[str] = Field(min_length=1)
    rare_auxiliaries: frozenset[str] = frozenset()
    rights_question_openers: frozenset[str] = frozenset()
    modals: frozenset[str] = frozenset()
    negators: frozenset[str] = frozenset()
    exceptions: frozenset[str] = frozenset()
    subordinators: frozenset[str] = frozenset()
    abbreviations: dict[str, str] = Field(default_factory=dict)
    contractions: dict[str, str] = Field(default_factory=dict)
    chat_speak: dict[str, str] = Field(default_factory=dict)
    number_units: dict[str, str] = Field(default_factory=dict)
    number_words: dict[str, int] = Field(default_factory=dict)
    time_units: frozenset[str] = frozenset()
    keywords: frozenset[str] = frozenset()
    not_typos: frozenset[str] = frozenset()
    polarity: PolarityWords

    @model_validator(mode="after")
    def _rewrites_settle(self) -> Lexicon:
        """A rewrite's output must not be rewritten again, so normalising is idempotent."""
        keys = set(self.contractions) | set(self.chat_speak)
        for table in (self.contractions, self.chat_speak, self.number_units):
            for key, value in table.items():
                if key != key.lower() or not key.strip():
                    raise ValueError(f"rewrite keys are lower-case words: {key!r}")
                if any(word in keys for word in value.split()):
                    raise ValueError(f"{key!r} -> {value!r} would be rewritten again")
        return self

    @property
    def subordinator_regex(self) -> str:
        """A group matching any subordinator in normalised text."""
        return phrase_regex(self.subordinators)

    @cached_property
    def _period_re(self) -> re.Pattern[str]:
        numbers = phrase_regex(self.number_words)
        return re.compile(rf"\b(\d+|{numbers})[ -]({phrase_regex(self.time_units)})s?\b")

    def periods(self, text: str) -> frozenset[tuple[int, str]]:
        """The periods of time a text names: "3 months" -> (3, "month")."""
        if not self.time_units:
            return frozenset()
        found = self._period_re.findall(text.lower())
        return frozenset(
            (int(n) if n.isdigit() else self.number_words[n], unit) for n, unit in found
        )

    @property
    def all_stopwords(self) -> frozenset[str]:
        """Stopwords plus question scaffolding: what carries no topic at all."""
        return self.stopwords | self.scaffolding


def phrase_regex(phrases: Iterable[str]) -> str:
    """A group matching any of ``phrases`` (escaped), longest first so "as soon as" is not
    read as "as"; never empty."""
    ordered = sorted(phrases, key=lambda p: (-len(p), p))
    return "(?:" + "|".join(re.escape(p) for p in ordered) + ")" if ordered else "(?!)"


@cache
def lexicon() -> Lexicon:
    return Lexicon.model_validate(load_template("language"))


class FollowupWords(BaseModel):
    """``templates/conversation.yaml``: the words that mark a follow-up (read by the
    conversation, and by small talk: question words alone are no small talk)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connectors: tuple[str, ...] = Field(min_length=1)
    anaphors: frozenset[str] = Field(min_length=1)
    bare_wh: frozenset[str] = Field(min_length=1)


@cache
def followup_words() -> FollowupWords:
    return FollowupWords.model_validate(load_template("conversation"))
