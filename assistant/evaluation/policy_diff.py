"""What changed between two versions of a policy, clause by clause.

Clauses are aligned by content, never by id: inserting one paragraph renumbers every
clause after it in its section, and an id-based diff would call all of them changed.
Sections are paired by title; within a pair, ``difflib`` aligns the clause sequences,
and a replaced run is split into "changed" pairs (similar wording) and plain
removals/additions. A clause whose exact text left one section and appeared in
another is "moved"; one that kept its text but not its id is "renumbered".
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from assistant.evaluation.datasets import normalise
from assistant.policy import Clause, Policy

ChangeKind = Literal["added", "removed", "changed", "moved", "renumbered"]
PAIR_SIMILARITY = 0.5  # below this a replaced clause is a removal plus an addition
WORD_CONTEXT = 6


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyInfo(_Model):
    source: str
    title: str
    last_updated: date | None
    version: str
    clauses: int
    sections: int

    @classmethod
    def of(cls, policy: Policy) -> PolicyInfo:
        return cls(
            source=policy.source,
            title=policy.title,
            last_updated=policy.last_updated,
            version=policy.version,
            clauses=len(policy.clauses),
            sections=len(policy.sections),
        )


class MetadataChange(_Model):
    field: str
    old: str | None
    new: str | None


class ClauseChange(_Model):
    change: ChangeKind
    old_id: str | None = None
    new_id: str | None = None
    old_section: str | None = None
    new_section: str | None = None
    old_text: str | None = None
    new_text: str | None = None
    similarity: float | None = None
    word_diff: str | None = None


class PolicyDiff(_Model):
    old: PolicyInfo
    new: PolicyInfo
    metadata: list[MetadataChange]
    sections_added: list[str]
    sections_removed: list[str]
    changes: list[ClauseChange]
    unchanged: int
    id_map: dict[str, str | None]  # every old clause id -> its counterpart, None if removed

    def of_kind(self, *kinds: ChangeKind) -> list[ClauseChange]:
        return [c for c in self.changes if c.change in kinds]

    @property
    def is_empty(self) -> bool:
        return not (self.metadata or self.sections_added or self.sections_removed or self.changes)

    def old_clause_fate(self, old_id: str) -> ClauseChange | None:
        """The change that touched an old clause id, or None if it is untouched."""
        for change in self.changes:
            if change.old_id == old_id:
                return change
        return None


def word_diff(old: str, new: str, context: int = WORD_CONTEXT) -> str:
    """``git diff --word-diff`` style: ``[-removed-]{+added+}`` around changed words.

    Long unchanged runs are cut to ``context`` words either side ("…"), so a one-word
    edit in a long paragraph reads as one line.
    """
    a, b = old.split(), new.split()
    out: list[str] = []
    opcodes = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            out.extend(_context(a[i1:i2], context, index == 0, index == len(opcodes) - 1))
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


def _context(words: list[str], keep: int, first: bool, last: bool) -> list[str]:
    head = [] if first else words[:keep]
    tail = [] if last else words[-keep:]
    if len(head) + len(tail) >= len(words):
        return words
    return [*head, "…", *tail]


def similarity(old: str, new: str) -> float:
    matcher = difflib.SequenceMatcher(
        a=normalise(old).split(), b=normalise(new).split(), autojunk=False
    )
    return matcher.ratio()


@dataclass
class _Aligner:
    changes: list[ClauseChange] = field(default_factory=list)
    pairs: dict[str, str] = field(default_factory=dict)  # old id -> new id, same content
    removed: list[Clause] = field(default_factory=list)
    added: list[Clause] = field(default_factory=list)

    def align(self, old: list[Clause], new: list[Clause]) -> None:
        a = [normalise(c.text) for c in old]
        b = [normalise(c.text) for c in new]
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                for k in range(i2 - i1):
                    self.pairs[old[i1 + k].id] = new[j1 + k].id
            else:
                self._replace(old[i1:i2], new[j1:j2])

    def _replace(self, old: list[Clause], new: list[Clause]) -> None:
        if len(old) == 1 and len(new) == 1:  # rewritten in place: one clause, changed
            self._changed(old[0], new[0])
            return
        free = list(new)
        for clause in old:
            scored = [(similarity(clause.text, n.text), n) for n in free]
            best = max(scored, key=lambda pair: pair[0], default=None)
            if best is not None and best[0] >= PAIR_SIMILARITY:
                free.remove(best[1])
                self._changed(clause, best[1])
            else:
                self.removed.append(clause)
        self.added.extend(free)

    def _changed(self, old: Clause, new: Clause) -> None:
        self.changes.append(
            _paired(
                "changed",
                old,
                new,
                similarity=round(similarity(old.text, new.text), 3),
                word_diff=word_diff(old.text, new.text),
            )
        )

    def settle(self) -> None:
        """Exact text that left one place and arrived in another is a move, not a rewrite."""
        arrivals = {normalise(c.text): c for c in self.added}
        for clause in self.removed:
            target = arrivals.pop(normalise(clause.text), None)
            if target is None:
                self.changes.append(_removed(clause))
                continue
            self.added.remove(target)
            self.pairs[clause.id] = target.id
            self.changes.append(_paired("moved", clause, target))
        self.changes.extend(_added(c) for c in self.added)


def _removed(clause: Clause) -> ClauseChange:
    return ClauseChange(
        change="removed", old_id=clause.id, old_section=clause.section, old_text=clause.text
    )


def _paired(change: ChangeKind, old: Clause, new: Clause, **extra: Any) -> ClauseChange:
    """A clause on both sides of the diff: changed, moved or renumbered."""
    return ClauseChange(
        change=change,
        old_id=old.id,
        new_id=new.id,
        old_section=old.section,
        new_section=new.section,
        old_text=old.text,
        new_text=new.text,
        **extra,
    )


def _added(clause: Clause) -> ClauseChange:
    return ClauseChange(
        change="added", new_id=clause.id, new_section=clause.section, new_text=clause.text
    )


def _section_key(title: str) -> str:
    return normalise(title).rstrip("?:. ")


def _by_section(policy: Policy) -> dict[str, list[Clause]]:
    grouped: dict[str, list[Clause]] = {}
    for section in policy.sections:
        grouped.setdefault(_section_key(section.title), [])
    for clause in policy.clauses:
        grouped.setdefault(_section_key(clause.section), []).append(clause)
    return grouped


def _metadata(old: Policy, new: Policy) -> list[MetadataChange]:
    changes = []
    if old.last_updated != new.last_updated:
        changes.append(
            MetadataChange(
                field="last_updated",
                old=old.last_updated.isoformat() if old.last_updated else None,
                new=new.last_updated.isoformat() if new.last_updated else None,
            )
        )
    if old.title != new.title:
        changes.append(MetadataChange(field="title", old=old.title, new=new.title))
    return changes


def diff_policies(old: Policy, new: Policy) -> PolicyDiff:
    old_sections, new_sections = _by_section(old), _by_section(new)
    aligner = _Aligner()
    for key, clauses in old_sections.items():
        if key in new_sections:
            aligner.align(clauses, new_sections[key])
        else:
            aligner.removed.extend(clauses)
    for key, clauses in new_sections.items():
        if key not in old_sections:
            aligner.added.extend(clauses)
    aligner.settle()
    for old_id, new_id in aligner.pairs.items():
        if old_id != new_id and not any(c.old_id == old_id for c in aligner.changes):
            aligner.changes.append(_renumbered(old.clause(old_id), new.clause(new_id)))
    id_map: dict[str, str | None] = {c.id: aligner.pairs.get(c.id) for c in old.clauses}
    for change in aligner.changes:
        if change.old_id is not None:
            id_map[change.old_id] = change.new_id
    aligner.changes.sort(key=lambda c: _reading_order(c, old, new))
    return PolicyDiff(
        old=PolicyInfo.of(old),
        new=PolicyInfo.of(new),
        metadata=_metadata(old, new),
        sections_added=_titles(new, set(new_sections) - set(old_sections)),
        sections_removed=_titles(old, set(old_sections) - set(new_sections)),
        changes=aligner.changes,
        unchanged=sum(1 for o, n in aligner.pairs.items() if o == n),
        id_map=id_map,
    )


def _reading_order(change: ClauseChange, old: Policy, new: Policy) -> float:
    """Roughly document order for display: new positions, removals just before theirs."""
    if change.new_id is not None:
        return new.clause(change.new_id).position
    return old.clause(change.old_id or "").position - 0.5


def _renumbered(old: Clause, new: Clause) -> ClauseChange:
    return _paired("renumbered", old, new)


def _titles(policy: Policy, keys: set[str]) -> list[str]:
    return [s.title for s in policy.sections if _section_key(s.title) in keys]


_CHANGE_MARKS: dict[ChangeKind, str] = {
    "added": "+",
    "removed": "-",
    "changed": "~",
    "moved": ">",
    "renumbered": "#",
}


def format_diff(diff: PolicyDiff) -> str:
    """The terminal rendering of ``privacy-assistant policy diff``."""
    lines = [
        f"{diff.old.source} ({diff.old.version}) -> {diff.new.source} ({diff.new.version})",
    ]
    lines += [f"  {m.field}: {m.old} -> {m.new}" for m in diff.metadata]
    lines += [f"  section added: {title}" for title in diff.sections_added]
    lines += [f"  section removed: {title}" for title in diff.sections_removed]
    counts = {kind: len(diff.of_kind(kind)) for kind in _CHANGE_MARKS}
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    lines.append(f"  clauses: {summary or 'no changes'}; {diff.unchanged} unchanged")
    for change in diff.changes:
        mark = _CHANGE_MARKS[change.change]
        ids = " -> ".join(i for i in (change.old_id, change.new_id) if i)
        lines.append("")
        lines.append(f"{mark} {change.change} {ids} [{change.new_section or change.old_section}]")
        if change.change == "changed":
            lines.append(f"    {change.word_diff}")
        elif change.change in ("added", "removed"):
            lines.append(f"    {change.new_text or change.old_text}")
    return "\n".join(lines)
