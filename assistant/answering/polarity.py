"""Yes/no leads from question polarity x statement polarity.

A lead is given only when the question is a yes/no question and the policy sentence
that answers it speaks about the question's own predicate (or a synonym of it): the
sentence then affirms or negates it. "Do you sell my data?" x "We don't sell or rent
your personal information" -> No; "Can I stop direct marketing?" x "You have the right to
stop receiving direct marketing at any time." -> Yes. A hedged affirmation ("may",
"under certain conditions") gives a qualified yes. Anything less clear gives no lead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.answering.text import AUXILIARIES as BASE_AUXILIARIES
from assistant.answering.text import (
    Vocabulary,
    expand_abbreviations,
    focus_sentence,
    stem,
    words,
)
from assistant.language import lexicon, main_clause, phrase_regex

Lead = Literal["yes", "no", "qualified_yes"]
# What the rules make of a sentence: a lead, "mixed" (it says both: no lead from anywhere,
# the question bank's included) or None (it does not speak to the question).
Verdict = Lead | Literal["mixed"]

# Plus the rarer "Shall I ...?" and "Am I ...?" (templates/language.yaml).
AUXILIARIES = BASE_AUXILIARIES | lexicon().rare_auxiliaries
NEGATORS = lexicon().negators
# The word lists and why each is there: templates/language.yaml, under "polarity".
_WORDS = lexicon().polarity
PROHIBITIONS = _WORDS.prohibitions
CONTRASTIVE = _WORDS.contrastive
RESTRICTIVE = _WORDS.restrictive
RESTRICTING_RE = re.compile(rf"\b{phrase_regex(_WORDS.restricting)}\b", re.I)
UNIVERSAL_RE = re.compile(rf"\b{phrase_regex(_WORDS.universal)}\b")
# A predicate inside an adverbial clause is a condition or a time, not a statement: "...
# to confirm your identity before fulfilling your request" does not say requests are
# fulfilled ("Will you fulfil a request that exposes another user's data?" got "In some
# cases, yes." from it, in blind batch 2). A negation in a clause that opens with a
# condition denies nothing: "if you'd rather not receive marketing messages" does not
# answer "Do you personalise ads?" with "No.". (A phrase such as "in case" never equals a
# token.)
CONDITIONS = lexicon().subordinators | _WORDS.conditions
# How far before the head word a subordinator still governs it: "without adequate data
# protection" does not say data is protected (it read as "Yes." to "Is my data safe
# there?").
SUBORDINATOR_REACH = 3
MODALITY = frozenset(stem(sorted(_WORDS.modality)))
FRAMING = frozenset(stem(sorted(_WORDS.framing | AUXILIARIES)))
# "Will you use my data for other purposes without asking me?": yes and no both mislead
# about a question that carries its own exception.
EXCEPTIONS = lexicon().exceptions
INSTRUMENTAL = frozenset(stem(sorted(_WORDS.instrumental)))
CLAUSE_BREAKS = frozenset({",", ";", ":"})


@dataclass(frozen=True)
class YesNoQuestion:
    predicate: tuple[str, ...]  # stems of the words the question asks about
    negated: bool  # "Do you not ...?" (a leading "Don't you ...?" is a plain question)
    contrastive: bool = False  # asks about something else ("other websites", "another")
    periods: frozenset[tuple[int, str]] = frozenset()  # "3 months" -> (3, "month")
    universal: bool = False  # "always", "whenever": a hedged answer is no "yes"


def yes_no_question(question: str, vocabulary: Vocabulary) -> YesNoQuestion | None:
    """The yes/no question asked, judged on the last question of a message: after
    "Do you collect data from children? What if you do by accident?" no Yes/No fits."""
    question = main_clause(expand_abbreviations(focus_sentence(question)))
    tokens = words(question)
    if len(tokens) < 2 or tokens[0] not in AUXILIARIES or EXCEPTIONS & set(tokens):
        return None
    if RESTRICTING_RE.search(question):
        return None
    # "Don't you sell ...?" asks the same as "Do you sell ...?"; "Do you not ...?" is negated.
    negated = len(tokens) > 2 and tokens[1] != "not" and tokens[2] == "not"
    terms = tuple(
        t
        for t in vocabulary.terms(question)
        if t not in vocabulary.generic and t not in MODALITY and t not in FRAMING
    )
    contrastive = bool(CONTRASTIVE & set(tokens))
    if len(terms) > 1 and terms[0] in INSTRUMENTAL:  # "use my data to publish ...": publish
        terms = (*terms[1:], terms[0])
    if set(terms) <= INSTRUMENTAL:  # "... how and why you're using my data": "by using the link"
        return None
    periods = lexicon().periods(question)
    universal = bool(UNIVERSAL_RE.search(" ".join(tokens)))
    return YesNoQuestion(terms, negated, contrastive, periods, universal) if terms else None


def lead_for(
    question: YesNoQuestion,
    sentence: str,
    vocabulary: Vocabulary,
    hedges: frozenset[str],
    context: str = "",
    *,
    listed: bool = False,
) -> Verdict | None:
    """``context`` (the clause's lead-in and section title) may cover the question's other
    words, never its head: "Workallies does not oversee these terms of use" under "If you
    ... tag the Site [on] a social network:" answers "Does WorkAllies oversee the privacy
    policies of social networks?". ``listed``: the sentence is one item of a list, one of
    several alternatives ("processing is justified based on: Your consent ...; Necessity
    to perform a contract ...")."""
    tokens = _tokens_with_breaks(sentence)
    stems_ = [stem([t])[0] if t not in CLAUSE_BREAKS else t for t in tokens]
    in_context = set(stem(words(context)))
    # A number is no evidence of the subject: "users aged 18 and above" is not about minors;
    # nor is another word of the question ("advertise" and "vendors" share a synonym group,
    # so "vendors" cannot also stand for "advertise").
    asked = set(question.predicate)
    wanted = {
        term: {term} | {s for s in vocabulary.synonyms(term) if not s.isdigit()} - (asked - {term})
        for term in question.predicate
    }
    # the context counts by the word itself: a section titled "... Third Parties" does not
    # speak of "advertise" because the two share a synonym group
    covered = {t for t, group in wanted.items() if group & set(stems_) or t in in_context}
    # A lead needs the sentence to speak about what was asked: the question's first
    # specific word (its verb or subject: "sell", "stop", "payment") and most of the rest.
    # Not two thirds of the rest without it: "Are you responsible for third-party
    # websites?" x "Data provided to these third-party sites is beyond WorkAllies'
    # control" then read as "Yes." (measured, dropped).
    head = question.predicate[0]
    if not wanted[head] & set(stems_) or not _most_of(covered, question.predicate):
        return None
    # The word itself before its synonyms: "payment" is "payment vendors may collect ...",
    # not "we don't collect credit information" earlier in the sentence.
    exact = [i for i, s in enumerate(stems_) if s == head]
    at = exact[0] if exact else next(i for i, s in enumerate(stems_) if s in wanted[head])
    # an "if" or "when" clause states a condition, not a fact: "If you delete your UGC,
    # copies may still be accessible" says nothing about posts being gone
    if _after_condition(tokens, at):
        return None
    # Polarity is judged where the sentence speaks of the question's head word, in that
    # clause only: "If you'd rather not receive marketing ..., you can opt-out" affirms
    # opting out; "Minors under 18 are prohibited from accessing" negates it for minors.
    negated = _negated_at(tokens, at)
    if negated and tokens[_segment(tokens, at)[0]] in CONDITIONS:
        return None  # a negated condition denies nothing
    if _said_both_ways(question, wanted, stems_, tokens, at=at, negated=negated):
        return "mixed"
    if _split_polarity(question, wanted, stems_, tokens, negated):
        return None
    holds = not negated
    if question.contrastive and RESTRICTIVE & set(tokens):
        holds = not holds  # "Does it apply to other websites?" x "applies solely to our Site"
    if question.negated:
        holds = not holds
    if not holds:
        return "no"
    # "or" before the head in its clause: "and/or with your consent", not "checking this
    # Policy periodically for any updates or changes"
    alternatives = listed or "or" in tokens[_segment(tokens, at)[0] : at]
    return affirmed(question, hedged=bool(hedges & set(stems_)), alternatives=alternatives)


def affirmed(question: YesNoQuestion, *, hedged: bool, alternatives: bool = False) -> Lead | None:
    """The yes the evidence gives: qualified when the sentence hedges, and none to an
    "always ...?" or "... for everything?" question when it hedges (the rules' lead and
    the question bank's alike) or names what was asked as one of several alternatives
    ("... legal compliance, and/or with your consent" holds sometimes). Alternatives are
    the rules' concern only: a banked lead comes from a paraphrase judged whole ("do you
    always need my consent" is banked with "no")."""
    if question.universal and (hedged or alternatives):
        return None
    return "qualified_yes" if hedged else "yes"


def _said_both_ways(
    question: YesNoQuestion,
    wanted: dict[str, set[str]],
    stems_: list[str],
    tokens: list[str],
    *,
    at: int,
    negated: bool,
) -> bool:
    """Another word for the head, said the other way: "Is that safe though?" x "while we
    strive to safeguard your personal information, ... internet data transmission is not
    entirely secure" (blind batch 9, a follow-up answered "Yes."). The head word itself
    said twice contrasts subjects instead: "While we don't collect credit information,
    payment vendors may collect ..." still answers "Do you collect ...?" with no."""
    others = wanted[question.predicate[0]] - {stems_[at]}
    return any(said != negated for said in _stances(others, stems_, tokens))


def _split_polarity(
    question: YesNoQuestion,
    wanted: dict[str, set[str]],
    stems_: list[str],
    tokens: list[str],
    negated: bool,
) -> bool:
    """Another word of the question stands in the sentence with the other polarity: "Are
    other websites you link to covered by your policy?" x "Data provided to ... these
    third-party sites is beyond WorkAllies' control and is not governed by this Policy"
    affirms the sites and denies the coverage (blind batch 11, a wrong "Yes."). The word
    itself before its synonyms: "is internet data transmission to ur site totally secure"
    x "... we strive to safeguard ..., internet data transmission is not entirely secure"
    read "safeguard" for "secure" (blind batch 18, a wrong "Yes.")."""
    for term in question.predicate[1:]:
        found = _stances({term}, stems_, tokens) or _stances(wanted[term], stems_, tokens)
        if found and all(said != negated for said in found):
            return True
    return False


def _stances(group: set[str], stems_: list[str], tokens: list[str]) -> list[bool]:
    """For each word of ``group`` in the sentence outside a condition, whether it is
    negated there."""
    return [
        _negated_at(tokens, i)
        for i, word in enumerate(stems_)
        if word in group and not _in_condition(tokens, i)
    ]


def _in_condition(tokens: list[str], index: int) -> bool:
    """In a clause that states a condition ("if you'd rather not receive marketing"),
    where a negation denies nothing."""
    return _after_condition(tokens, index) or tokens[_segment(tokens, index)[0]] in CONDITIONS


def _after_condition(tokens: list[str], index: int) -> bool:
    """A subordinator governs the word: it stands at most SUBORDINATOR_REACH before it."""
    return bool(CONDITIONS & set(tokens[max(0, index - SUBORDINATOR_REACH) : index]))


def other_period(question: YesNoQuestion, sentence: str) -> bool:
    """The sentence counts a period in the question's unit, but not the question's: "can you
    take 3 months to reply?" x "You have one month to receive a response" takes no lead,
    from the rules or the question bank (blind batch 10, after its scoring). Which way it
    goes would need arithmetic."""
    said = lexicon().periods(sentence)
    shared = {unit for _n, unit in question.periods} & {unit for _n, unit in said}
    return bool(shared) and not question.periods & said


def _most_of(covered: set[str], predicate: tuple[str, ...]) -> bool:
    """Half of a short predicate, more than half of one of four words or more: "Can payment
    vendors use my information to advertise?" is not answered by a sentence about payment
    vendors that says nothing of advertising."""
    if len(predicate) >= 4:
        return len(covered) * 2 > len(predicate)
    return len(covered) * 2 >= len(predicate)


def _tokens_with_breaks(sentence: str) -> list[str]:
    out: list[str] = []
    for piece in re.split(r"[,;:]|\bwhile\b|\bbut\b|\bwhereas\b", sentence, flags=re.I):
        out += words(piece)
        out.append(",")
    return out[:-1]


def _segment(tokens: list[str], index: int) -> tuple[int, int]:
    start = index
    while start > 0 and tokens[start - 1] not in CLAUSE_BREAKS:
        start -= 1
    end = index
    while end < len(tokens) and tokens[end] not in CLAUSE_BREAKS:
        end += 1
    return start, end


def _negated_at(tokens: list[str], index: int) -> bool:
    """A negator before the word in its clause ("we do not knowingly collect"), or a
    prohibition anywhere in that clause ("... are prohibited from accessing")."""
    start, end = _segment(tokens, index)
    if any(t in NEGATORS for t in tokens[start:index]):
        return True
    return any(t in PROHIBITIONS for t in tokens[start:end])
