"""Questions that ask why, and the policy sentences that give a reason.

"What data do you collect when I register? Why do you need it?" is answered by the
sentence that follows the list of data ("This information enables us to offer the
necessary services ..."), which shares almost no words with the question: the topic
sentence is found by retrieval, the reason next to it by its wording. The phrasings of a
why-question and of a reason are data (templates/answering.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.answering.text import focus_sentence, words
from assistant.policy import iter_sentences

# A reason is looked for this many sentences after the one that names the topic.
REASON_REACH = 2


def _phrase_re(phrases: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted((" ".join(words(p)) for p in phrases), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(a) for a in alternatives if a) + r")\b")


@dataclass(frozen=True)
class ReasonWording:
    questions: tuple[re.Pattern[str], ...]  # over the last question's lower-cased words
    cues: re.Pattern[str]  # over a sentence's lower-cased words

    @classmethod
    def build(cls, questions: Sequence[str], cues: Sequence[str]) -> ReasonWording:
        return cls(tuple(re.compile(q) for q in questions), _phrase_re(cues))

    def asks_why(self, question: str) -> bool:
        asked = " ".join(words(focus_sentence(question)))
        return any(pattern.search(asked) for pattern in self.questions)

    def gives_reason(self, sentence: str) -> bool:
        return bool(self.cues.search(" ".join(words(sentence))))

    def reason_after(self, text: str, end: int) -> tuple[int, int] | None:
        """The first of the next REASON_REACH sentences of ``text`` after offset ``end``
        that gives a reason, as (start, end); None if none does."""
        following = [(s, e) for s, e in iter_sentences(text) if s >= end][:REASON_REACH]
        return next(((s, e) for s, e in following if self.gives_reason(text[s:e])), None)
