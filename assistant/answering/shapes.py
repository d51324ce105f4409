"""What a question's shape asks for, and the policy sentences that have that shape.

"Who is your data protection officer?" is answered only if the policy at least uses the
word for them. The phrasings are data (templates/answering.yaml). (Date, "what if" and
"why" shapes were deleted: with the learned selector and the question bank they changed
no dev answer for the worse.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answering.text import content_words, focus_sentence, words
from assistant.answering.wording import VocabularyWords

CONDITIONAL_RE = re.compile(r"(?:If|When|Where|Unless|In case)\b")
# The head noun ends the noun phrase: "ceo" in "the ceo of workallies".
THING_END_RE = re.compile(r" (?:of|that|who|which|for|in|at|on|with) ")


def _asked(question: str) -> str:
    """The last question of a message, as lower-cased words: what its shape is read on."""
    return " ".join(words(focus_sentence(question)))


@dataclass(frozen=True)
class QuestionShapes:
    identity: tuple[re.Pattern[str], ...]  # with the asked-for thing as group "thing"

    @classmethod
    def build(cls, vocabulary: VocabularyWords) -> QuestionShapes:
        return cls(
            tuple(re.compile(q) for q in vocabulary.identity_questions),
        )

    @staticmethod
    def states_consequence(sentence: str) -> bool:
        return bool(CONDITIONAL_RE.match(sentence))

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
