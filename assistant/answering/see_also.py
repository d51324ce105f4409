"""Pointers to the other passages retrieval ranked close to the one an answer quotes.

An answer quotes its best sentences; when another of the retriever's top clauses scores
almost as well, that clause may be the one that answers. A short "See also" line naming
those clauses' sections, each cited with its best sentence, keeps what retrieval found one
click away without a wall of quotes: on the labelled questions (answers.yaml and blind
batches 1-6, 529 of them, through the chat) the gold clause was among the reply's first
three citations for 0.669 without the line and 0.758 with it, for 7 more words a reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from assistant.answering.citations import cite
from assistant.answering.types import Answer, Citation
from assistant.policy import Policy, iter_sentences

if TYPE_CHECKING:
    from assistant.retrieval import Hit

# A clause whose fused score is within MARGIN of the top hit's gets a pointer. Chosen on
# the dev questions above by how often a pointer in each band was the gold clause:
# 0.15-0.21 up to a gap of 0.20, then 0.07 (0.20-0.25) and 0.01 (beyond). The question
# bank widened the fused scores' spread; re-read on the same files, each left out of the
# bank (answers.yaml, batches 1-7): 0.28-0.33 up to 0.15, 0.15-0.17 from 0.15 to 0.30,
# then 0.06 (0.30-0.35) and 0.02 or less beyond, so the band that pays moved to 0.30.
MARGIN = 0.3
WITHIN = 3  # only the retriever's top 3 are pointed to
MOST = 2  # pointers per answer


@dataclass(frozen=True)
class SeeAlso:
    """``line`` has {items}; ``item`` has {section} and {markers}."""

    line: str
    item: str
    margin: float = MARGIN

    def add(self, answer: Answer, hits: Sequence[Hit], policy: Policy) -> Answer:
        """``answer`` with a pointer line for the close clauses it does not quote; an
        abstention, or an answer with nothing close, is returned as it is."""
        if answer.abstained or not hits:
            return answer
        quoted = {c.clause_id for c in answer.citations}
        top = hits[0].score
        close = [
            h for h in hits[:WITHIN] if h.clause.id not in quoted and top - h.score <= self.margin
        ][:MOST]
        if not close:
            return answer
        citations = list(answer.citations)
        by_section: dict[str, list[str]] = {}
        for hit in close:
            citations.append(_best_sentence(policy, hit))
            by_section.setdefault(hit.clause.section, []).append(f"[{len(citations)}]")
        items = [
            self.item.format(section=section, markers=", ".join(markers))
            for section, markers in by_section.items()
        ]
        text = f"{answer.text} {self.line.format(items='; '.join(items))}"
        return replace(answer, text=text, citations=tuple(citations))


def _best_sentence(policy: Policy, hit: Hit) -> Citation:
    """The clause's sentence nearest the question (by the search's own cosines; the first
    when the search has none)."""
    spans = list(iter_sentences(hit.clause.text)) or [(0, len(hit.clause.text))]
    view = hit.sentences

    def cosine(index: int) -> float:
        found = view.sentence(hit.clause.id, index) if view is not None else None
        return -1.0 if found is None else found

    start, end = spans[max(range(len(spans)), key=cosine)]
    return cite(policy, hit.clause, start, end)
