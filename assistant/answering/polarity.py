"""Yes/no leads from question polarity x statement polarity.

A lead is given only when the question is a yes/no question and the policy sentence
that answers it speaks about the question's own predicate (or a synonym of it): the
sentence then affirms or negates it. "Do you sell my data?" x "We don't sell or rent
your personal information" -> No; "Can I stop direct marketing?" x "You have the right to
stop receiving direct marketing at any time." -> Yes. A hedged affirmation ("may",
"under certain conditions") gives a qualified yes. Anything less clear gives no lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.answering.text import Vocabulary, stem, words

Lead = Literal["yes", "no", "qualified_yes"]

AUXILIARIES = frozenset(
    [
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "is",
        "are",
        "was",
        "were",
        "may",
        "might",
        "should",
        "shall",
        "have",
        "has",
        "am",
    ]
)
NEGATORS = frozenset(["not", "no", "never", "cannot", "prohibit", "prohibits", "prohibited"])
NEGATION_WINDOW = 4  # a negator governs a matched word at most this many words later
CLAUSE_BREAKS = frozenset({",", ";", ":"})


@dataclass(frozen=True)
class YesNoQuestion:
    predicate: tuple[str, ...]  # stems of the words the question asks about
    negated: bool  # "Do you not ...?" (a leading "Don't you ...?" is a plain question)


def yes_no_question(question: str, vocabulary: Vocabulary) -> YesNoQuestion | None:
    tokens = words(question)
    if len(tokens) < 2 or tokens[0] not in AUXILIARIES:
        return None
    # "Don't you sell ...?" asks the same as "Do you sell ...?"; "Do you not ...?" is negated.
    negated = len(tokens) > 2 and tokens[1] != "not" and tokens[2] == "not"
    terms = tuple(t for t in vocabulary.terms(question) if t not in vocabulary.generic)
    return YesNoQuestion(terms, negated) if terms else None


def lead_for(
    question: YesNoQuestion, sentence: str, vocabulary: Vocabulary, hedges: frozenset[str]
) -> Lead | None:
    tokens = _tokens_with_breaks(sentence)
    stems_ = [stem([t])[0] if t not in CLAUSE_BREAKS else t for t in tokens]
    wanted = {term: {term} | set(vocabulary.synonyms(term)) for term in question.predicate}
    positions = [i for i, s in enumerate(stems_) if any(s in group for group in wanted.values())]
    covered = {term for term, group in wanted.items() if group & set(stems_)}
    # A lead needs the sentence to speak about what was asked: the question's first
    # specific word (its verb or subject: "sell", "stop", "payment") and most of the rest.
    if question.predicate[0] not in covered or len(covered) * 2 < len(question.predicate):
        return None
    negated = any(_negated_at(tokens, i) for i in positions)
    holds = not negated
    if question.negated:
        holds = not holds
    if not holds:
        return "no"
    hedged = bool(hedges & set(stems_))
    return "qualified_yes" if hedged else "yes"


def _tokens_with_breaks(sentence: str) -> list[str]:
    out: list[str] = []
    for piece in sentence.replace(";", ",").replace(":", ",").split(","):
        out += words(piece)
        out.append(",")
    return out[:-1]


def _negated_at(tokens: list[str], index: int) -> bool:
    for back in range(1, NEGATION_WINDOW + 1):
        j = index - back
        if j < 0 or tokens[j] in CLAUSE_BREAKS:
            return False
        if tokens[j] in NEGATORS:
            return True
    return False
