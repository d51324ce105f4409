"""A privacy policy as a versioned list of clauses with stable ids and exact offsets.

The parser reads plain text or Markdown. It recognises headings (Markdown ``#``,
numbered "2.1 Title" lines, and the plain title lines of a scraped page such as
"Cookies"), paragraphs (consecutive lines), and bullets, including the flat-text
convention where a bullet ending in ":" owns the bullets under it. Every clause
keeps character offsets into the source so that ``policy.text[c.start:c.end]``
is its verbatim text: a citation can always be shown and highlighted exactly.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

MAX_POLICY_BYTES = 2_000_000  # a policy is tens of KB; megabytes mean the wrong file
MAX_HEADING_WORDS = 10
MAX_HEADING_CHARS = 90

ClauseKind = Literal["paragraph", "bullet", "metadata"]


class PolicyError(ValueError):
    """The input cannot be a policy; the message says why in plain words."""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    level: int
    start: int  # offsets of the heading line; the intro section has start == end == 0
    end: int


@dataclass(frozen=True)
class Clause:
    id: str
    section_id: str
    section: str
    kind: ClauseKind
    text: str
    start: int
    end: int
    position: int  # order in the document, 0-based
    parent_id: str | None = None

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Policy:
    title: str
    last_updated: date | None
    source: str
    text: str
    sections: tuple[Section, ...]
    clauses: tuple[Clause, ...]
    content_hash: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        object.__setattr__(self, "content_hash", digest)

    @property
    def version(self) -> str:
        """A policy version is its date plus its content: two edits on one day differ."""
        dated = self.last_updated.isoformat() if self.last_updated else "undated"
        return f"{dated}+{self.content_hash[:10]}"

    def clause(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    def parent(self, clause: Clause) -> Clause | None:
        return self.clause(clause.parent_id) if clause.parent_id else None

    def children(self, clause: Clause) -> list[Clause]:
        return [c for c in self.clauses if c.parent_id == clause.id]

    def in_section(self, section_id: str) -> list[Clause]:
        return [c for c in self.clauses if c.section_id == section_id]


# ---------------------------------------------------------------- reading input


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError(f"policy file not found: {path}") from None
    except IsADirectoryError:
        raise PolicyError(f"expected a policy file, got a directory: {path}") from None
    return parse_policy(decode_policy_bytes(raw, str(path)), source=path.name)


def decode_policy_bytes(raw: bytes, name: str = "policy") -> str:
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(
            f"{name} is {len(raw) / 1e6:.1f} MB; a policy is expected to be under "
            f"{MAX_POLICY_BYTES / 1e6:.0f} MB, so this is probably the wrong file"
        )
    if b"\x00" in raw:
        raise PolicyError(f"{name} looks like a binary file (it contains NUL bytes), not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            f"{name} is not valid UTF-8 (bad byte at position {exc.start}); "
            "save it as UTF-8 text and try again"
        ) from None
    if not text.strip():
        raise PolicyError(f"{name} is empty")
    return text


# ---------------------------------------------------------------- line model

BULLET_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[•●◦▪‣∙·\-*+–]|\d{1,3}[.)]|[a-z][.)]|\(\w{1,4}\))[ \t]+(?=\S)"
)
MD_HEADING_RE = re.compile(r"^[ \t]{0,3}(?P<hashes>#{1,6})[ \t]+(?P<title>.+?)[ \t#]*$")
NUMBERED_HEADING_RE = re.compile(
    r"^[ \t]*(?P<num>\d{1,2}(?:\.\d{1,2})*)\.?[ \t]+(?P<title>\S.*?)[ \t]*$"
)
SETEXT_RE = re.compile(r"^[ \t]*(=+|-{3,})[ \t]*$")
METADATA_RE = re.compile(
    r"^[ \t]*(last[ \t]+updated|effective[ \t]+date|last[ \t]+modified|last[ \t]+revised)[ \t]*:",
    re.IGNORECASE,
)
DATE_RE = re.compile(
    r"(last[ \t]+updated|effective[ \t]+date|last[ \t]+modified|last[ \t]+revised)[ \t]*:?[ \t]*"
    r"(?P<date>[A-Za-z]{3,9}\.?[ \t]+\d{1,2},?[ \t]+\d{4}"
    r"|\d{1,2}[ \t]+[A-Za-z]{3,9}[ \t]+\d{4}|\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)
DATE_FORMATS = ("%b %d %Y", "%B %d %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")


@dataclass
class _Line:
    text: str  # without the newline
    start: int  # offset of the first character

    @property
    def stripped(self) -> str:
        return self.text.strip()

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def _lines(text: str) -> list[_Line]:
    lines, offset = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lines.append(_Line(body, offset))
        offset += len(raw)
    return lines


@dataclass
class _Block:
    """A run of lines of one kind: a heading, a paragraph, or one bullet item."""

    kind: Literal["heading", "paragraph", "bullet", "metadata"]
    start: int
    end: int
    indent: int = 0
    level: int = 1
    title: str = ""
    standalone: bool = False  # separated from neighbours by blank lines (paragraph of one line)


def _trimmed_span(line: _Line, skip: int = 0) -> tuple[int, int]:
    body = line.text[skip:]
    lead = len(body) - len(body.lstrip())
    return line.start + skip + lead, line.start + len(line.text.rstrip())


def _heading_title(line: _Line) -> tuple[str, int] | None:
    """The title and level if the line is an explicit (Markdown or numbered) heading."""
    if m := MD_HEADING_RE.match(line.text):
        return m["title"].strip(), len(m["hashes"])
    if (m := NUMBERED_HEADING_RE.match(line.text)) and _looks_like_title(m["title"]):
        return m["title"].strip(), m["num"].count(".") + 1
    return None


def _looks_like_title(text: str) -> bool:
    text = text.strip().strip("*_").strip()
    if not text or len(text) > MAX_HEADING_CHARS or len(text.split()) > MAX_HEADING_WORDS:
        return False
    if text[-1] in ".,;!" or not (text[0].isupper() or text[0].isdigit()):
        return False
    return not METADATA_RE.match(text)


def _classify(lines: list[_Line]) -> list[_Block]:
    blocks: list[_Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.blank:
            i += 1
            continue
        if heading := _heading_title(line):
            start, end = _trimmed_span(line)
            blocks.append(_Block("heading", start, end, title=heading[0], level=heading[1]))
            i += 1
            continue
        if (
            i + 1 < len(lines)
            and SETEXT_RE.match(lines[i + 1].text)
            and _looks_like_title(line.text)
        ):
            start, end = _trimmed_span(line)
            level = 1 if "=" in lines[i + 1].text else 2
            blocks.append(_Block("heading", start, end, title=line.stripped, level=level))
            i += 2
            continue
        if m := BULLET_RE.match(line.text):
            i = _take_bullet(lines, i, m, blocks)
            continue
        if METADATA_RE.match(line.text):
            start, end = _trimmed_span(line)
            blocks.append(_Block("metadata", start, end))
            i += 1
            continue
        i = _take_paragraph(lines, i, blocks)
    return blocks


def _take_bullet(lines: list[_Line], i: int, m: re.Match[str], blocks: list[_Block]) -> int:
    start, end = _trimmed_span(lines[i], skip=m.end())
    indent = len(m["indent"].expandtabs(4))
    i += 1
    # Wrapped continuation lines belong to the bullet (Markdown lazy continuation).
    while i < len(lines) and not lines[i].blank and not BULLET_RE.match(lines[i].text):
        if _heading_title(lines[i]) or METADATA_RE.match(lines[i].text):
            break
        end = _trimmed_span(lines[i])[1]
        i += 1
    blocks.append(_Block("bullet", start, end, indent=indent))
    return i


def _take_paragraph(lines: list[_Line], i: int, blocks: list[_Block]) -> int:
    first = i
    start, end = _trimmed_span(lines[i])
    i += 1
    while i < len(lines) and not lines[i].blank:
        if BULLET_RE.match(lines[i].text) or _heading_title(lines[i]):
            break
        if i + 1 < len(lines) and SETEXT_RE.match(lines[i + 1].text):
            break
        end = _trimmed_span(lines[i])[1]
        i += 1
    single = i - first == 1
    blocks.append(_Block("paragraph", start, end, standalone=single))
    return i


# ---------------------------------------------------------------- structure


def _plain_headings(blocks: list[_Block], text: str) -> None:
    """Promote one-line title-like paragraphs to headings (scraped pages lose their markup).

    A short line ending in ":" is a heading only when it does not introduce a list;
    otherwise it is a lead-in sentence ("Using your information for:" + bullets).
    """
    for index, block in enumerate(blocks):
        if block.kind != "paragraph" or not block.standalone:
            continue
        line = text[block.start : block.end]
        if not _looks_like_title(line):
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if following is None:
            continue  # a closing line such as a signature is content, not a section
        if line.endswith(":") and (following.kind == "bullet" or len(line.split()) > 4):
            continue
        block.kind = "heading"
        block.title = line.rstrip(":").strip()


def slugify(title: str, max_chars: int = 40) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_chars:
            break
        slug = candidate
    return slug or "section"


def _document_title(text: str, blocks: list[_Block]) -> str:
    for block in blocks:
        if block.kind == "heading":
            title = text[block.start : block.end]
            title = title.lstrip("#").strip()
            # Scraped pages glue "Last update 6 months ago" to the title line.
            return re.sub(r"\s+last\s+update.*$", "", title, flags=re.IGNORECASE) or title
        if block.kind in ("paragraph", "bullet"):
            break
    return "Privacy Policy"


def parse_last_updated(text: str) -> date | None:
    for m in DATE_RE.finditer(text[:5000]):
        raw = re.sub(r"[.,]", "", m["date"])
        raw = re.sub(r"\s+", " ", raw).strip()
        for fmt in DATE_FORMATS:
            try:
                return datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
    return None


class _SectionTracker:
    def __init__(self) -> None:
        self.sections: list[Section] = [Section("introduction", "Introduction", 1, 0, 0)]
        self.used = {"introduction"}

    @property
    def current(self) -> Section:
        return self.sections[-1]

    def open(self, title: str, level: int, start: int, end: int) -> None:
        slug = base = slugify(title)
        n = 2
        while slug in self.used:
            slug, n = f"{base}-{n}", n + 1
        self.used.add(slug)
        self.sections.append(Section(slug, title, level, start, end))


@dataclass
class _Group:
    """An open list owner: a lead-in ending in ":" whose following bullets are its children."""

    indent: int  # -1 for a lead-in paragraph, the bullet's indent otherwise
    clause_id: str
    count: int = 0
    child_indent: int | None = None


class _ClauseIds:
    """``section-N`` for top-level clauses, ``section-N.M`` for bullets owned by a lead-in.

    Flat text marks ownership only by the trailing ":" (the bullets below stay at the
    same indent), Markdown by indentation; both are handled by one stack of groups.
    """

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}
        self.groups: list[_Group] = []

    def next_id(
        self, section_id: str, kind: str, indent: int, introduces_list: bool
    ) -> tuple[str, str | None]:
        if kind != "bullet":
            self.groups.clear()
            clause_id = self._top_level(section_id)
            if introduces_list and kind == "paragraph":
                self.groups.append(_Group(-1, clause_id))
            return clause_id, None
        owner = self._owner_for(indent, introduces_list)
        if owner is None:
            clause_id, parent_id = self._top_level(section_id), None
        else:
            owner.count += 1
            if owner.child_indent is None:
                owner.child_indent = indent
            clause_id, parent_id = f"{owner.clause_id}.{owner.count}", owner.clause_id
        if introduces_list:
            self.groups.append(_Group(indent, clause_id))
        return clause_id, parent_id

    def _owner_for(self, indent: int, introduces_list: bool) -> _Group | None:
        while self.groups and self.groups[-1].indent > indent:
            self.groups.pop()
        while self.groups and self.groups[-1].indent == indent:
            top = self.groups[-1]
            nested_by_indent = top.child_indent is not None and top.child_indent > top.indent
            if introduces_list or nested_by_indent:
                self.groups.pop()  # a sibling lead-in, or the end of an indented sub-list
            else:
                break
        return self.groups[-1] if self.groups else None

    def _top_level(self, section_id: str) -> str:
        self.counters[section_id] = self.counters.get(section_id, 0) + 1
        return f"{section_id}-{self.counters[section_id]}"

    def reset(self) -> None:
        self.groups.clear()


def _introduces_list(text: str) -> bool:
    return text.rstrip().endswith((":", ","))


def _build_clauses(text: str, blocks: list[_Block]) -> tuple[list[Section], list[Clause]]:
    tracker = _SectionTracker()
    ids = _ClauseIds()
    clauses: list[Clause] = []
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            if index == 0 and block.level == 1:
                continue  # the first line of the document is its title, not a section
            tracker.open(block.title, block.level, block.start, block.end)
            ids.reset()
            continue
        section = tracker.current
        body = text[block.start : block.end]
        clause_id, parent_id = ids.next_id(
            section.id, block.kind, block.indent, _introduces_list(body)
        )
        kind: ClauseKind = "metadata" if block.kind == "metadata" else block.kind
        clauses.append(
            Clause(
                id=clause_id,
                section_id=section.id,
                section=section.title,
                kind=kind,
                text=body,
                start=block.start,
                end=block.end,
                position=len(clauses),
                parent_id=parent_id,
            )
        )
    return tracker.sections, clauses


def parse_policy(text: str, source: str = "policy") -> Policy:
    if not text.strip():
        raise PolicyError(f"{source} is empty")
    blocks = _classify(_lines(text))
    _plain_headings(blocks, text)
    title = _document_title(text, blocks)
    sections, clauses = _build_clauses(text, blocks)
    if not clauses:
        raise PolicyError(f"{source} has headings but no policy text")
    used_sections = {c.section_id for c in clauses}
    sections = [s for s in sections if s.id in used_sections or s.id != "introduction"]
    return Policy(
        title=title,
        last_updated=parse_last_updated(text),
        source=source,
        text=text,
        sections=tuple(sections),
        clauses=tuple(clauses),
    )


ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "etc", "mr", "mrs", "ms", "dr", "no", "vs", "inc", "ltd", "co", "st"}
)
SENTENCE_END_RE = re.compile(r"[.!?]+[\"\u201d\u2019)]*(?=\s+[\"\u201c(]?[A-Z0-9])")


def iter_sentences(clause_text: str) -> Iterator[tuple[int, int]]:
    """Spans of the sentences in a clause, so an answer can quote an exact sub-span.

    A boundary is end punctuation followed by a capitalised word, except after
    common abbreviations ("e.g. Improving" does not end a sentence); line breaks
    inside a clause also end a sentence.
    """
    cuts = [0]
    for m in SENTENCE_END_RE.finditer(clause_text):
        word = re.search(r"([\w.]+)[.!?]*$", clause_text[: m.start() + 1])
        if word and word.group(1).rstrip(".").lower() in ABBREVIATIONS:
            continue
        cuts.append(m.end())
    cuts += [m.end() for m in re.finditer(r"\n", clause_text)]
    cuts = [*sorted(set(cuts)), len(clause_text)]
    for start, end in itertools.pairwise(cuts):
        segment = clause_text[start:end]
        lead = len(segment) - len(segment.lstrip())
        trail = len(segment.rstrip())
        if trail > lead:
            yield start + lead, start + trail
