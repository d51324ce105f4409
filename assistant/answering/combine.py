"""Several questions in one message, answered one by one and shown as one reply.

"Do you sell my data? How long do you keep it?" asks two things; answering only the last
(the focus of a merged follow-up) would silently drop the first. Each part is answered on
its own and the answers are joined under their questions, with one numbered source list:
a passage two parts cite gets one number.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answering.citations import renumber_markers
from assistant.answering.types import Answer, Citation


def combine_answers(parts: Sequence[tuple[str, Answer]], template: str) -> Answer:
    """One answer for (question, answer) pairs; ``template`` has {question} and {answer}.
    It abstains only when every part does: one answered part is an answer."""
    citations: list[Citation] = []
    numbers: dict[tuple[str, int, int], int] = {}
    texts = []
    for question, answer in parts:
        renumbered: dict[int, int] = {}
        for old, citation in enumerate(answer.citations, 1):
            key = (citation.clause_id, citation.start, citation.end)
            if key not in numbers:
                citations.append(citation)
                numbers[key] = len(citations)
            renumbered[old] = numbers[key]
        text = renumber_markers(answer.text, renumbered)
        texts.append(template.format(question=question.strip(), answer=text))
    answers = [answer for _, answer in parts]
    answered = [a for a in answers if not a.abstained]
    return Answer(
        "\n\n".join(texts),
        tuple(citations),
        abstained=not answered,
        out_of_scope=all(a.out_of_scope for a in answers),
        confidence=min(a.confidence for a in answers),
        notes=tuple(note for a in answers for note in a.notes),
        closest=not answered and any(a.closest for a in answers),
    )
