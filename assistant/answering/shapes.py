"""What a question's shape asks for, and the policy sentences that have that shape.

"Why ...?" is answered by a sentence that gives a reason ("This information enables us
to ..."), which often shares almost no words with the question, and "Who is your data
protection officer?" only if the policy at least uses the word for them. Retrieval finds
the topic; the shape adds the sentence. The phrasings are data (templates/answering.yaml).
(Date and "what if" shapes that reordered sentences were deleted: with the learned
selector ordering sentences they changed no dev answer.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assistant.answering.text import content_words, focus_sentence, words
from assistant.answering.wording import VocabularyWords
from assistant.policy import iter_sentences

# A reason is looked for this many sentences after the one that names the topic.
REASON_REACH = 2
CONDITIONAL_RE = re.compile(r"(?:If|When|Where|Unless|In case)\b")
# The head noun ends the noun phrase: "ceo" in "the ceo of workallies".
THING_END_RE = re.compile(r" (?:of|that|who|which|for|in|at|on|with) ")


def _phrase_re(phrases: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted((" ".join(words(p)) for p in phrases), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(a) for a in alternatives if a) + r")\b")


def _asked(question: str) -> str:
    """The last question of a message, as lower-cased words: what its shape is read on."""
    return " ".join(words(focus_sentence(question)))


@dataclass(frozen=True)
class QuestionShapes:
    why: tuple[re.Pattern[str], ...]
    reason_cues: re.Pattern[str]
    identity: tuple[re.Pattern[str], ...]  # with the asked-for thing as group "thing"

    @classmethod
    def build(cls, vocabulary: VocabularyWords) -> QuestionShapes:
        return cls(
            tuple(re.compile(q) for q in vocabulary.reason_questions),
            _phrase_re(vocabulary.reason_cues),
            tuple(re.compile(q) for q in vocabulary.identity_questions),
        )

    def asks_why(self, question: str) -> bool:
        return any(pattern.search(_asked(question)) for pattern in self.why)

    def gives_reason(self, sentence: str) -> bool:
        return bool(self.reason_cues.search(" ".join(words(sentence))))

    @staticmethod
    def states_consequence(sentence: str) -> bool:
        return bool(CONDITIONAL_RE.match(sentence))

    def reason_after(self, text: str, end: int) -> tuple[int, int] | None:
        """The first of the next REASON_REACH sentences of ``text`` after offset ``end``
        that gives a reason, as (start, end); None if none does."""
        following = [(s, e) for s, e in iter_sentences(text) if s >= end][:REASON_REACH]
        return next(((s, e) for s, e in following if self.gives_reason(text[s:e])), None)

    def unnamed(self, question: str, known: Callable[[str], bool]) -> str | None:
        """The head noun of an identity question when ``known`` says the policy never uses
        it: "officer" in "Who is your data protection officer?"."""
        for pattern in self.identity:
            match = pattern.search(_asked(question))
            phrase = THING_END_RE.split(match["thing"], maxsplit=1)[0] if match else ""
            thing = content_words(phrase)
            if thing and not known(thing[-1]):
                return thing[-1]
        return None
