"""The policy clauses a rights request cites: the clause granting the right first.

A user exercising a right expects to see the policy's promise of that right, not the
clause that happens to share most words with a query about the topic (for a correction,
the account-profile page outranks "Rectification: You can ask us to correct ...").

The granting clause is found from the right's names and words (``grants`` in
``templates/rights.yaml``), never from a clause id or position, so it survives a policy
update: the policy's list item labelled with one of the names ("Rectification: ..."),
else the best hit of a search that names the right. Further clauses come from the
type's ``policy_queries`` search.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from assistant.policy import Clause
from assistant.rights.templates import wording
from assistant.tickets import RequestType

CITED = 2  # clauses a request cites
_GRANT_DEPTH = 5  # hits of the grant search in which a labelled item is looked for
# "Label: text" where the label is a short name, as in a policy's list of rights.
_LABEL = re.compile(r"^\s*([^:\n]{1,60}?)\s*:\s*\S")


class _Found(Protocol):
    @property
    def clause(self) -> Clause: ...


H = TypeVar("H", bound=_Found)


def label_of(text: str) -> str | None:
    """The short label a clause opens with ("Rectification" of "Rectification: You can
    ..."), case-folded; None when it opens with none or the label is all it says."""
    match = _LABEL.match(text)
    return match.group(1).casefold() if match else None


def names_the_right(kind: RequestType, policy_text: str) -> bool:
    """Whether the policy names the right at all: one of its ``grants`` names, as words.
    Where it does not (this policy never says "portability"), the request cites the
    nearest right it grants and the chat says the policy does not name this one."""
    text = policy_text.casefold()
    names = wording().grants[kind].names
    return any(re.search(rf"\b{re.escape(name.casefold())}\b", text) for name in names)


def request_citations(kind: RequestType, search: Callable[[str, int], Sequence[H]]) -> list[H]:
    """The clauses a request of ``kind`` cites, the one granting the right first;
    ``search(query, k)`` is the retriever."""
    grant = wording().grants[kind]
    names = {name.casefold() for name in grant.names}
    found = search(grant.query, _GRANT_DEPTH)
    labelled = [hit for hit in found if label_of(hit.clause.text) in names]
    cited = (labelled or list(found))[:1]
    for hit in search(wording().policy_queries[kind], CITED + 1):
        if len(cited) < CITED and all(hit.clause.id != c.clause.id for c in cited):
            cited.append(hit)
    return cited
