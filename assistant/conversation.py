"""Conversation handling before retrieval: follow-ups read in context, several questions.

``standalone_question`` turns an elliptical or anaphoric follow-up ("and after my account
is closed?", "why?", "who do you share it with?") into a question retrieval can answer
alone, by merging it with the previous question; a self-contained question is left as it
is. Deterministic: no model, only the shape of the message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from assistant.answering.types import Answer
from assistant.chitchat import classify_chitchat
from assistant.language import (
    content_words,
    followup_words,
    lexicon,
    opens_like_question,
    question_sentences,
    read,
    words,
)
from assistant.question_bank import NO_MATCHES, BankMatches
from assistant.retrieval import Hit

Role = Literal["user", "assistant"]
AUXILIARIES = lexicon().auxiliaries
WH_WORDS = lexicon().wh_words
STOPWORDS = lexicon().stopwords


@dataclass(frozen=True)
class Turn:
    role: Role | str
    text: str


# ---------------------------------------------------------------- several questions

MAX_QUESTIONS = 3  # answered in one reply; a longer list gets the first ones and a note
ELABORATION_WORDS = 4  # "aws? azure?" after a question: at most this many words a piece


@dataclass(frozen=True)
class Questions:
    parts: list[str]  # each question with the statements before it ("I left. Is it kept?")
    dropped: int = 0  # questions past MAX_QUESTIONS


def separate_questions(message: str) -> Questions:
    """The questions a message asks, to be answered one by one: sentences ending in "?",
    each with any statements just before it. A message asking one question, or none,
    is one part."""
    sentences = question_sentences(message)
    parts: list[str] = []
    pending: list[str] = []
    elaborated = False
    for i, sentence in enumerate(sentences):
        asks = sentence.endswith("?") or (i == len(sentences) - 1 and _unmarked_question(sentence))
        if asks and parts and not pending and _elaborates(sentence):
            # one sentence, so the question's words stay its focus, not "azure"'s
            parts[-1] = f"{parts[-1].rstrip('?!. ')}, {sentence}"
            elaborated = True
            continue
        pending.append(sentence)
        if asks and content_words(sentence):
            parts.append(" ".join(pending))
            pending = []
    if len(parts) < 2:
        return Questions([" ".join([*parts, *pending]) if elaborated else message])
    if pending:  # statements after the last question belong to it
        parts[-1] = " ".join([parts[-1], *pending])
    return Questions(parts[:MAX_QUESTIONS], max(len(parts) - MAX_QUESTIONS, 0))


def _elaborates(sentence: str) -> bool:
    """A few words that only spell out the question before ("which cloud hosts it? aws?
    azure?", "how will you market to me? sms? calls?"): no question of their own, no
    connector and nothing pointing back. Answered apart, "azure?" got a passage of its own."""
    body, connector = _strip_connector(sentence)
    tokens = words(body)
    return (
        connector is None
        and len(tokens) <= ELABORATION_WORDS
        and not opens_like_question(body)
        and not ANAPHORS & set(tokens)
    )


def _unmarked_question(sentence: str) -> bool:
    """A sentence left without its "?" that opens like a question (after "and", "also" ...):
    chat messages often end so. A statement ending in "." or "!" is a statement."""
    if sentence.endswith((".", "!")):
        return False
    return opens_like_question(_strip_connector(sentence)[0])


# ---------------------------------------------------------------- follow-ups


_WORDS = followup_words()
CONNECTORS = tuple(sorted(_WORDS.connectors, key=len, reverse=True))  # "and what about" first
ANAPHORS = _WORDS.anaphors
SHORT_FOLLOWUP_WORDS = 3  # "cookies?", "for how long?": too short to stand alone
SELF_CONTAINED_TERMS = 2  # this many topic words without an anaphor stand alone


@dataclass(frozen=True)
class Contextualised:
    query: str
    followup: bool
    previous: str | None = None
    # The message read alone, when it leans on the previous one but names a topic of its
    # own ("is a 16 year old allowed to use it?"): retrieve both, keep the more confident.
    alone: str | None = None

    @property
    def readings(self) -> list[str]:
        """The questions to try, the contextual reading first."""
        return [self.query] if self.alone is None else [self.query, self.alone]


def contextualise(message: str, history: list[Turn]) -> Contextualised:
    previous = _previous_question(history)
    text = message.strip()
    if previous is None or not text:
        return Contextualised(text, False)
    body, connector = _strip_connector(text)
    reading = read(body)  # chat-speak spelled out: "u" is no topic word
    tokens = list(reading.tokens)
    topic = list(reading.content)
    anaphoric = bool(ANAPHORS & set(tokens))
    # After a connector only a full question stands alone ("and do you sell it?" does
    # not, "and do you sell my data?" does); a fragment never does.
    full_question = not connector or _full_question(tokens)
    if full_question and len(topic) >= SELF_CONTAINED_TERMS and not anaphoric:
        return Contextualised(body if connector else text, False)
    # A fragment naming one topic word leans on the question before: read alone, "in what
    # cases exactly?" and "like who exactly tho" got "not covered" (dev batches 7 and 10).
    # Reading it alone too lost as much as it gained (dev follow-ups, fourteenth session).
    fragment = not _full_question(tokens)
    if connector or anaphoric or fragment or len(tokens) <= SHORT_FOLLOWUP_WORDS or not topic:
        # The previous question stays in the reading, so a pronoun needs no resolving:
        # substituting "it" -> "my payment information" changed none of 60 dev follow-ups.
        merged = f"{_sentence(previous)} {_sentence(body)}"
        # a fragment after a connector never stands alone ("and after I close my account?")
        could_stand = full_question and len(topic) >= SELF_CONTAINED_TERMS
        alone = text if could_stand else None
        return Contextualised(merged, True, previous, alone)
    return Contextualised(text, False)


WH_VERB_WINDOW = 3  # "how old do i ...", "which data aggregators do you ...": verb soon


def _full_question(tokens: list[str]) -> bool:
    """Opens with an auxiliary ("do you sell ..."), or with a wh-phrase its auxiliary soon
    follows ("how old do i have to be ..."), not a fragment ("what about after I ...").
    Blind batch 8's "also how old do i have to be to use workallies", read as a
    follow-up of "what info do you collect about me", was answered about consent."""
    if not tokens:
        return False
    if tokens[0] in AUXILIARIES:
        return True
    following = tokens[1 : 1 + WH_VERB_WINDOW]
    return tokens[0] in WH_WORDS and any(t in AUXILIARIES for t in following)


def answer_in_context(
    message: str,
    history: list[Turn],
    answer: Callable[[str], Answer],
    same_message: bool = False,
    in_context: Callable[[str, str], Answer] | None = None,
) -> tuple[str, Answer]:
    """The question answered and its answer: the message read in context, or, when it
    may stand alone too, whichever reading is answered more confidently. A new question
    then keeps its own topic even when it has a pronoun ("is a 16 year old allowed to use
    it?" after "do you sell my data?"), and a real follow-up still gets its context.
    ``same_message``: the history ends with an earlier question of the same message,
    which a pronoun refers to ("Do you sell my data? How long do you keep it?").
    ``in_context``: how the reading merged with the previous question is answered, given
    it and the message (by default like any other), e.g. near what the last answer cited."""
    context = contextualise(message, history)
    readings = [context.query] if same_message else context.readings
    best: tuple[str, Answer] | None = None
    for query in readings:
        merged = context.followup and query == context.query
        answered = in_context(query, message) if merged and in_context else answer(query)
        if best is None or _more_confident(answered, best[1]):
            best = (query, answered)
    assert best is not None
    return best


# An elliptical follow-up is about what was just answered: on the dev follow-ups the
# clause that answers one lies in a section the previous answer cited 37 times in 48.
CONTEXT_SEARCH_WIDTH = 4  # a follow-up ranks retrieval_k * 4 clauses of each search
SECTION_PRIOR = 0.15  # added to the fused score of a clause in such a section
FOLLOWUP_WEIGHT = 0.5  # weight of the follow-up's own words against the merged question's
# The user has just read the clauses the previous answer quoted: quoting them first again
# answers the question before, not the follow-up.
REPEAT_PENALTY = 0.1
# Weight of the banked follow-ups' cosine, as retrieval weighs the question bank's.
FOLLOWUP_BANK_WEIGHT = 1.0


def rank_in_context(
    merged: list[Hit],
    followup: list[Hit],
    sections: tuple[str, ...],
    k: int,
    quoted: tuple[str, ...] = (),
    *,
    banked: BankMatches = NO_MATCHES,
) -> list[Hit]:
    """The merged question's hits re-ranked for a follow-up: by the evidence of the merged
    question and of the follow-up's own words together, with a prior for the sections the
    previous answer cited ("how long does that take?" after a rights answer: the rights
    section's response time, not how long data is kept), and the evidence of the banked
    follow-ups nearest it (``banked``, `HybridRetriever.followup_matches`)."""
    own = {h.clause.id: h.score for h in followup}
    floor = min(own.values(), default=0.0)
    pool = {h.clause.id: h for h in [*followup, *merged]}  # the merged question's hit wins
    base = {h.clause.id: h.score for h in merged}
    base_floor = min(base.values(), default=0.0)
    cited, seen = set(sections), set(quoted)
    support = banked.clause_support()

    def score(hit: Hit) -> float:
        prior = SECTION_PRIOR if hit.clause.section in cited else 0.0
        cid = hit.clause.id
        prior -= REPEAT_PENALTY if cid in seen else 0.0
        prior += FOLLOWUP_BANK_WEIGHT * support.get(cid, 0.0)
        return base.get(cid, base_floor) + FOLLOWUP_WEIGHT * own.get(cid, floor) + prior

    ranked = sorted(pool.values(), key=lambda h: -score(h))[:k]
    # The question bank's evidence for the merged question is the previous question's (it
    # is most of the text): it would pull the answer back to what was just quoted ("how
    # would I do it?" after "Can I opt out of marketing emails?" repeated the right to opt
    # out). A follow-up is decided on the banked follow-ups' evidence instead.
    return [replace(h, bank=support.get(h.clause.id, 0.0), bank_matches=banked) for h in ranked]


def _more_confident(candidate: Answer, best: Answer) -> bool:
    return (not candidate.abstained, candidate.confidence) > (not best.abstained, best.confidence)


def standalone_question(message: str, history: list[Turn]) -> str:
    """The question to retrieve for: the message itself, or merged with the previous
    question when it only makes sense after it."""
    return contextualise(message, history).query


def _previous_question(history: list[Turn]) -> str | None:
    """The last user question, itself read in the context before it."""
    context: list[Turn] = []
    previous: str | None = None
    for turn in history:
        if turn.role != "user":
            continue
        if classify_chitchat(turn.text) is None and turn.text.strip():
            previous = contextualise(turn.text, context).query
            context = [Turn("user", previous)]
    return previous


def _strip_connector(text: str) -> tuple[str, str | None]:
    lowered = text.lower()
    for connector in CONNECTORS:
        if re.match(rf"{re.escape(connector)}\b[\s,]*", lowered):
            rest = re.sub(rf"^{re.escape(connector)}\b[\s,]*", "", text, flags=re.IGNORECASE)
            if rest.strip(" ?.!"):
                return rest, connector
    return text, None


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(("?", ".", "!")) else text + "?"
