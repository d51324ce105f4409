"""Deterministic synthetic policies made from the real one, for the scale benchmark.

Document ``i`` is the WorkAllies policy rewritten by a generator seeded with ``i``: another
company name and domain, its own date, sections in another order with numbered, Markdown
or plain headings, about a fifth of the paragraph groups dropped, synonyms swapped in
and one or two paragraphs of its own. The same ``i`` always gives the same text, so two
runs of the benchmark index the same corpus.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from assistant.policy import Clause, Policy, parse_policy

PREFIXES = ("Nor", "Vel", "Ast", "Bri", "Cal", "Dun", "Eld", "Fay", "Gor", "Hal", "Iso", "Jun")
SUFFIXES = ("wind", "ora", "mark", "ton", "field", "gate", "line", "vista", "works", "link")
REGIONS = ("California", "Quebec", "Bavaria", "Ontario", "Catalonia", "Victoria", "Flanders")
ROLES = ("Data Protection Officer", "privacy team", "compliance office", "legal department")

# Each rule: a word of the policy and wordings that mean the same in context.
SYNONYMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("personal information", ("personal data", "information about you")),
    ("collect", ("gather", "obtain")),
    ("we use", ("we process", "we make use of")),
    ("third parties", ("other companies", "external parties")),
    ("retain", ("keep", "store")),
    ("delete", ("erase", "remove")),
    ("request", ("ask for", "apply for")),
    ("Service", ("Platform", "Website")),
    ("users", ("customers", "members")),
    ("marketing", ("promotional", "advertising")),
    ("cookies", ("tracking technologies", "cookies and similar tools")),
    ("protect", ("safeguard", "secure")),
)

EXTRA_PARAGRAPHS = (
    "Residents of {region} may contact our {role} at privacy@{domain} about any use of "
    "their personal data described in this section.",
    "{company} reviews the processing described here every {months} months and records "
    "the outcome of each review.",
    "Where {company} relies on a processor in {region}, a written contract requires the "
    "processor to follow these rules.",
)


@dataclass(frozen=True)
class _Unit:
    """A paragraph with the bullets that complete it, dropped or kept together."""

    section_id: str
    text: str


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _units(policy: Policy) -> Iterator[_Unit]:
    """Top-level clauses with their descendants, as they are written in the source."""
    text = policy.text

    def unit(group: list[Clause]) -> _Unit:
        return _Unit(group[0].section_id, text[_line_start(text, group[0].start) : group[-1].end])

    group: list[Clause] = []
    for clause in policy.clauses:
        if clause.kind == "metadata":
            continue
        if clause.parent_id is None and group:
            yield unit(group)
            group = []
        group.append(clause)
    if group:
        yield unit(group)


def _company(rng: random.Random, index: int) -> str:
    return f"{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)} {index:03d}"


def _swap_words(text: str, rng_state: dict[str, str]) -> str:
    for word, replacement in rng_state.items():
        text = re.sub(rf"\b{re.escape(word)}\b", replacement, text)
        capital = word[:1].upper() + word[1:]
        text = re.sub(rf"\b{re.escape(capital)}\b", replacement[:1].upper() + replacement[1:], text)
    return text


def _heading(title: str, number: int, style: int) -> str:
    if style == 1:
        return f"{number}. {title}"
    if style == 2:
        return f"## {title}"
    return title


def synthetic_policy_text(base: Policy, index: int) -> str:
    rng = random.Random(f"synthetic-policy-{index}")
    company = _company(rng, index)
    domain = re.sub(r"[^a-z0-9]", "", company.lower()) + ".example"
    swaps = {w: rng.choice(alts) for w, alts in SYNONYMS if rng.random() < 0.5}
    swaps["WorkAllies"] = company
    style = rng.randrange(3)
    by_section: dict[str, list[str]] = {s.id: [] for s in base.sections}
    for unit in _units(base):
        if rng.random() >= 0.2 or not by_section[unit.section_id]:
            by_section[unit.section_id].append(unit.text)
    sections = [s for s in base.sections if by_section[s.id]]
    intro, rest = sections[0], sections[1:]
    rng.shuffle(rest)
    for template in rng.sample(EXTRA_PARAGRAPHS, k=rng.randint(1, 2)):
        extra = template.format(
            region=rng.choice(REGIONS),
            role=rng.choice(ROLES),
            domain=domain,
            company=company,
            months=rng.choice((6, 12, 18, 24)),
        )
        by_section[rng.choice(rest).id].append(extra)
    updated = date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
    lines = [f"{company} Privacy Policy", "", f"Last Updated: {updated:%b %-d, %Y}", ""]
    lines += by_section[intro.id]
    for number, section in enumerate(rest, 1):
        lines += ["", _heading(section.title, number, style), ""]
        lines += by_section[section.id]
    return _swap_words("\n\n".join(line for line in lines if line) + "\n", swaps)


def synthetic_policy(base: Policy, index: int) -> Policy:
    return parse_policy(synthetic_policy_text(base, index), source=f"synthetic-{index:03d}.txt")
