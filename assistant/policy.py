"""A privacy policy as a versioned list of clauses with stable ids and exact offsets.

The parser reads plain text or Markdown. It recognises headings (Markdown ``#``,
numbered "2.1 Title" / "3) Title" lines, setext underlines, and the plain title lines
of a scraped page such as "Cookies"), paragraphs (consecutive lines), and bullets,
nested by indentation or, in flat text, by a lead-in ending in ":" that owns the
bullets under it. Every clause keeps character offsets into the source so that
``policy.text[c.start:c.end]`` is its verbatim text: a citation can always be shown
and highlighted exactly. Nothing is dropped silently: every non-space character is in
a clause, a section heading, the title line (``Policy.title_span``) or a bullet marker.

Clause ids are ``<section>-<n>`` for the n-th top-level clause of a section and
``<parent>.<m>`` for the m-th bullet of a list owned by a clause, e.g.
``how-long-do-we-keep-personal-information-1.3.2`` ("Prevent fraud."). ``<section>``
is the slug of the section title without its number ("2.1 Data we collect" ->
``data-we-collect``); text before the first heading is in ``introduction`` (or
``preamble`` when the policy has an Introduction heading of its own). Ids depend on
positions, never on wording, so:

- the same text always gets the same ids;
- rewording a clause changes no id;
- inserting or removing a clause renumbers only the clauses after it in its own
  section (or, for a bullet, after it in its own list); other sections keep their ids;
- renumbering sections changes no id; renaming one changes the ids of its clauses.

An id is therefore a position, not an identity: to follow a clause across versions,
compare content (``Clause.content_hash``), as the policy diff does.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
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
    # Offsets of the heading's markup (with a setext underline); the implicit first
    # section has start == end == 0.
    start: int
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
    title_span: tuple[int, int] | None = None  # the title line, which is not a clause
    content_hash: str = field(init=False)
    # Lookups by id and by parent, built once: answering walks lead-ins and lists for
    # every candidate sentence, thousands of lookups a question.
    _by_id: dict[str, Clause] = field(init=False, repr=False, compare=False)
    _children: dict[str, list[Clause]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        object.__setattr__(self, "content_hash", digest)
        object.__setattr__(self, "_by_id", {c.id: c for c in self.clauses})
        children: dict[str, list[Clause]] = {}
        for clause in self.clauses:
            if clause.parent_id is not None:
                children.setdefault(clause.parent_id, []).append(clause)
        object.__setattr__(self, "_children", children)

    @property
    def version(self) -> str:
        """A policy version is its date plus its content: two edits on one day differ."""
        dated = self.last_updated.isoformat() if self.last_updated else "undated"
        return f"{dated}+{self.content_hash[:10]}"

    def clause(self, clause_id: str) -> Clause:
        return self._by_id[clause_id]

    def parent(self, clause: Clause) -> Clause | None:
        return self.clause(clause.parent_id) if clause.parent_id else None

    def children(self, clause: Clause) -> list[Clause]:
        return list(self._children.get(clause.id, ()))

    def in_section(self, section_id: str) -> list[Clause]:
        return [c for c in self.clauses if c.section_id == section_id]


# ---------------------------------------------------------------- reading input


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    if path.is_dir():
        raise PolicyError(f"expected a policy file, got a directory: {path}")
    try:
        size = path.stat().st_size
        if size > MAX_POLICY_BYTES:  # refuse before reading a huge file into memory
            raise PolicyError(_too_large(str(path), size, "bytes"))
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError(f"policy file not found: {path}") from None
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc.strerror or exc}") from None
    return parse_policy(decode_policy_bytes(raw, str(path)), source=path.name)


def _too_large(name: str, size: int, unit: str) -> str:
    return (
        f"{name} is too large ({size:,} {unit}); a policy is expected to be under "
        f"{MAX_POLICY_BYTES:,} {unit}, so this is probably the wrong file"
    )


def decode_policy_bytes(raw: bytes, name: str = "policy") -> str:
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(_too_large(name, len(raw), "bytes"))
    if b"\x00" in raw:
        raise PolicyError(f"{name} looks like a binary file (it contains NUL bytes), not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            f"{name} is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at position {exc.start}); "
            "save it as UTF-8 text and try again"
        ) from None
    if not text.strip():
        raise PolicyError(f"{name} is empty (no text besides whitespace)")
    return text


# ---------------------------------------------------------------- line model

# Every pattern here runs on one line at a time and is anchored or guarded so that it
# cannot backtrack quadratically: a scraped policy can hold a 100k-character line.
BULLET_RE = re.compile(
    r"^(?P<indent>[ \t]*)"
    r"(?P<marker>[•●◦▪‣∙·\-*+–]|(?P<num>\d{1,3})[.)]|[a-z][.)]|\(\w{1,4}\))"
    r"[ \t]+(?=\S)"
)
MD_HEADING_RE = re.compile(r"^[ \t]{0,3}(?P<hashes>#{1,6})[ \t]+(?P<title>\S.*)$")
# "2.1 Data", "3. Sharing", "3) Sharing"; a bare "4 Harbour Lane" is an address, not a heading.
NUMBER_PREFIX_RE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})*)(?P<sep>[.)]?)[ \t]+(?=\S)")
SETEXT_RE = re.compile(r"^[ \t]{0,3}(?:=+|-{3,})[ \t]*$")
_DATE_LABEL = r"(?:last[ \t]+updated|effective[ \t]+date|last[ \t]+modified|last[ \t]+revised)"
METADATA_RE = re.compile(
    rf"^[ \t]*[*_]{{0,3}}{_DATE_LABEL}[*_]{{0,3}}[ \t]*(?::|on\b)", re.IGNORECASE
)
DATE_RE = re.compile(
    rf"{_DATE_LABEL}[*_]{{0,3}}[ \t]*(?::|on\b)?[*_]{{0,3}}[ \t]*"
    r"(?P<date>[A-Za-z]{3,9}\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?,?[ \t]+\d{4}"
    r"|\d{1,2}(?:st|nd|rd|th)?[ \t]+[A-Za-z]{3,9}\.?,?[ \t]+\d{4}|\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)
DATE_FORMATS = ("%b %d %Y", "%B %d %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")
TITLE_WORDS_RE = re.compile(r"\b(?:privacy|policy|notice|statement)\b", re.IGNORECASE)
SCRAPED_SUFFIX_RE = re.compile(r"(?<!\s)\s+last\s+update", re.IGNORECASE)

HeadingStyle = Literal["markdown", "numbered", "setext", "plain"]


@dataclass
class _Line:
    text: str  # without the line break
    start: int  # offset of the first character

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def _lines(text: str) -> list[_Line]:
    lines, offset = [], 0
    for raw in text.splitlines(keepends=True):
        lines.append(_Line(raw.rstrip("\r\n"), offset))
        offset += len(raw)
    return lines


@dataclass(frozen=True)
class _Heading:
    title: str  # display title: markup, numbering and a trailing ":" removed
    level: int
    style: HeadingStyle
    number: str | None = None  # "2.1" for numbered headings


@dataclass
class _Block:
    """A run of lines of one kind: a heading, a paragraph, or one bullet item."""

    kind: Literal["heading", "paragraph", "bullet", "metadata"]
    start: int
    end: int
    indent: int = 0
    heading: _Heading | None = None
    number: int | None = None  # the number of a numbered bullet ("2." -> 2)
    standalone: bool = False  # a paragraph of one line


def _trimmed_span(line: _Line, skip: int = 0) -> tuple[int, int]:
    body = line.text[skip:]
    lead = len(body) - len(body.lstrip())
    return line.start + skip + lead, line.start + len(line.text.rstrip())


def _clean_title(raw: str) -> str:
    cleaned = raw.strip().strip("*_").strip().rstrip(":").strip()
    return cleaned or raw.strip()


def _strip_closing_hashes(title: str) -> str:
    """``## Cookies ##`` -> ``Cookies``; ``# C#`` keeps its hash (CommonMark)."""
    title = title.rstrip()
    head = title.rstrip("#")
    if head != title and (not head or head[-1] in " \t"):
        return head.rstrip()
    return title


def _explicit_heading(line: _Line) -> _Heading | None:
    """A Markdown ``#`` heading or a numbered "2.1 Title" line."""
    if m := MD_HEADING_RE.match(line.text):
        title = _strip_closing_hashes(m["title"])
        if not title:
            return None
        number = None
        if num := NUMBER_PREFIX_RE.match(title):
            number, title = num["num"], title[num.end() :]
        return _Heading(_clean_title(title), len(m["hashes"]), "markdown", number)
    body = line.text.lstrip(" \t")
    num = NUMBER_PREFIX_RE.match(body)
    if not num or not (num["sep"] or "." in num["num"]):
        return None
    title = body[num.end() :]
    if not _looks_like_title(title):
        return None
    level = num["num"].count(".") + 1
    return _Heading(_clean_title(title), level, "numbered", num["num"])


def _looks_like_title(text: str) -> bool:
    text = text.strip().strip("*_").strip()
    if not text or len(text) > MAX_HEADING_CHARS or len(text.split()) > MAX_HEADING_WORDS:
        return False
    if text[-1] in ".,;!" or not (text[0].isupper() or text[0].isdigit()):
        return False
    return not METADATA_RE.match(text)


class _Classifier:
    """Splits the lines into blocks.

    It remembers the last section number so that, after "2. Data we collect", a short
    numbered line that continues a list ("2. Our payment provider") stays a list item
    while "3. How we use data" opens the next section.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = _lines(text)
        self.blocks: list[_Block] = []
        self.section_number = 0

    def run(self) -> list[_Block]:
        i = 0
        while i < len(self.lines):
            i = self._step(i)
        return self.blocks

    def _step(self, i: int) -> int:
        line = self.lines[i]
        if line.blank:
            return i + 1
        heading = _explicit_heading(line)
        if heading and not self._is_list_item(i, heading):
            self._add_heading(heading, *_trimmed_span(line))
            return i + 1
        if self._setext_at(i):
            return self._take_setext(i)
        if m := BULLET_RE.match(line.text):
            return self._take_bullet(i, m)
        if METADATA_RE.match(line.text):
            self.blocks.append(_Block("metadata", *_trimmed_span(line)))
            return i + 1
        return self._take_paragraph(i)

    def _is_list_item(self, i: int, heading: _Heading) -> bool:
        """Whether a numbered title-like line is really a list item: a heading stands
        apart (blank line above, none of its text wrapped onto the next line), and
        after a lead-in ("...from:") or the previous item ("1. Airlines"), only the
        next section's number ("3. Sharing") still opens a section."""
        if heading.style != "numbered" or heading.number is None:
            return False
        if (i > 0 and not self.lines[i - 1].blank) or self._wraps(i) or self._leads_in(i):
            return True
        if "." in heading.number or not self.blocks:
            return False
        number, previous = int(heading.number), self.blocks[-1]
        if previous.kind == "paragraph":
            return self.text[previous.start : previous.end].endswith(":")
        return (
            previous.kind == "bullet"
            and previous.number == number - 1
            and number != self.section_number + 1
        )

    def _leads_in(self, i: int) -> bool:
        """Whether line ``i`` ends in ":" and the next non-blank line is a bullet."""
        if not self.lines[i].text.rstrip().endswith(":"):
            return False
        j = i + 1
        while j < len(self.lines) and self.lines[j].blank:
            j += 1
        return j < len(self.lines) and BULLET_RE.match(self.lines[j].text) is not None

    def _wraps(self, i: int) -> bool:
        """Whether line ``i`` continues onto the next line (hanging indent or lowercase)."""
        if i + 1 >= len(self.lines) or self.lines[i + 1].blank:
            return False
        line, following = self.lines[i].text, self.lines[i + 1].text
        indent = len(line) - len(line.lstrip())
        body = following.lstrip()
        return len(following) - len(body) > indent or body[:1].islower()

    def _add_heading(self, heading: _Heading, start: int, end: int) -> None:
        if heading.number:
            self.section_number = int(heading.number.split(".")[0])
        self.blocks.append(_Block("heading", start, end, heading=heading))

    def _setext_at(self, i: int) -> bool:
        following = i + 1
        return (
            following < len(self.lines)
            and SETEXT_RE.match(self.lines[following].text) is not None
            and _looks_like_title(self.lines[i].text)
        )

    def _take_setext(self, i: int) -> int:
        start = _trimmed_span(self.lines[i])[0]
        end = _trimmed_span(self.lines[i + 1])[1]  # the underline is part of the heading
        level = 1 if "=" in self.lines[i + 1].text else 2
        heading = _Heading(_clean_title(self.lines[i].text), level, "setext")
        self._add_heading(heading, start, end)
        return i + 2

    def _continues_block(self, i: int) -> bool:
        """Whether line ``i`` is a wrapped continuation of the block above it."""
        line = self.lines[i]
        if line.blank or BULLET_RE.match(line.text) or METADATA_RE.match(line.text):
            return False
        return _explicit_heading(line) is None and not self._setext_at(i)

    def _take_bullet(self, i: int, m: re.Match[str]) -> int:
        start, end = _trimmed_span(self.lines[i], skip=m.end())
        indent = len(m["indent"].expandtabs(4))
        number = int(m["num"]) if m["num"] else None
        i += 1
        while i < len(self.lines) and self._continues_block(i):
            end, i = _trimmed_span(self.lines[i])[1], i + 1
        self.blocks.append(_Block("bullet", start, end, indent=indent, number=number))
        return i

    def _take_paragraph(self, i: int) -> int:
        first = i
        start, end = _trimmed_span(self.lines[i])
        i += 1
        while i < len(self.lines) and self._continues_block(i):
            end, i = _trimmed_span(self.lines[i])[1], i + 1
        self.blocks.append(_Block("paragraph", start, end, standalone=i - first == 1))
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
        block.heading = _Heading(_clean_title(line), 1, "plain")


def slugify(title: str, max_chars: int = 40) -> str:
    """Lowercase ASCII words joined by "-", cut at a word boundary ("Données" -> "donnees")."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", folded.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_chars:
            break
        slug = candidate
    return slug or "section"


def _title_index(blocks: list[_Block]) -> int | None:
    """The document's own title line: its first block (dates aside), when that is a
    heading naming the document ("Privacy Policy", a Markdown H1) rather than a section."""
    for index, block in enumerate(blocks):
        if block.kind == "metadata":
            continue
        heading = block.heading
        if heading is None or heading.style == "numbered":
            return None
        top_level_markup = heading.style in ("markdown", "setext") and heading.level == 1
        return index if top_level_markup or TITLE_WORDS_RE.search(heading.title) else None
    return None


def _document_title(heading: _Heading | None) -> str:
    if heading is None:
        return "Privacy Policy"
    # Scraped pages glue "Last update 6 months ago" to the title line.
    m = SCRAPED_SUFFIX_RE.search(heading.title)
    return heading.title[: m.start()].strip() if m and m.start() > 0 else heading.title


def parse_last_updated(text: str) -> date | None:
    for m in DATE_RE.finditer(text[:5000]):
        raw = re.sub(r"(?<=\d)(?:st|nd|rd|th)\b|[.,]", "", m["date"], flags=re.IGNORECASE)
        raw = re.sub(r"\s+", " ", raw).strip()
        for fmt in DATE_FORMATS:
            try:
                return datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
    return None


class _SectionTracker:
    """Sections in order. Text before the first heading goes to an implicit section,
    "Introduction", or "Preamble" when the policy has an Introduction of its own."""

    def __init__(self, implicit: Section) -> None:
        self.implicit = implicit
        self.sections: list[Section] = [implicit]
        self.used = {implicit.id}

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


def _implicit_section(headings: list[_Heading]) -> Section:
    if any(slugify(h.title) == "introduction" for h in headings):
        return Section("preamble", "Preamble", 1, 0, 0)
    return Section("introduction", "Introduction", 1, 0, 0)


@dataclass
class _Owner:
    """An open list owner: a clause whose following bullets may be its children."""

    indent: int  # -1 for a lead-in paragraph, the bullet's indent otherwise
    clause_id: str
    lead_in: bool  # ends with ":", so it also owns bullets at its own indent (flat text)
    count: int = 0
    child_indent: int | None = None


class _ClauseIds:
    """``section-N`` for top-level clauses, ``parent.M`` for bullets that belong to a clause.

    A bullet belongs to the nearest open owner that is less indented (Markdown nesting)
    or, in flat text where every bullet has the same indent, to a lead-in bullet ending
    in ":" just above it. A paragraph ending in ":" or "," owns the bullets below it.
    """

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}
        self.owners: list[_Owner] = []

    def paragraph(self, section_id: str, lead_in: bool) -> str:
        self.owners.clear()
        clause_id = self._top_level(section_id)
        if lead_in:
            self.owners.append(_Owner(-1, clause_id, lead_in=True))
        return clause_id

    def bullet(self, section_id: str, indent: int, lead_in: bool) -> tuple[str, str | None]:
        owner = self._owner_for(indent, lead_in)
        if owner is None:
            clause_id, parent_id = self._top_level(section_id), None
        else:
            owner.count += 1
            if owner.child_indent is None:
                owner.child_indent = indent
            clause_id, parent_id = f"{owner.clause_id}.{owner.count}", owner.clause_id
        self.owners.append(_Owner(indent, clause_id, lead_in))
        return clause_id, parent_id

    def _owner_for(self, indent: int, lead_in: bool) -> _Owner | None:
        while self.owners:
            top = self.owners[-1]
            if top.indent < indent:
                break  # nested by indentation, or under a lead-in paragraph
            flat_child = top.child_indent in (None, indent) and not lead_in
            if top.indent == indent and top.lead_in and flat_child:
                break
            self.owners.pop()  # a finished sibling, a sibling lead-in, or a closed sub-list
        return self.owners[-1] if self.owners else None

    def _top_level(self, section_id: str) -> str:
        self.counters[section_id] = self.counters.get(section_id, 0) + 1
        return f"{section_id}-{self.counters[section_id]}"

    def reset(self) -> None:
        self.owners.clear()


def _assign_id(
    ids: _ClauseIds, section_id: str, block: _Block, body: str
) -> tuple[str, str | None]:
    stripped = body.rstrip()
    if block.kind == "bullet":
        return ids.bullet(section_id, block.indent, stripped.endswith(":"))
    if block.kind == "metadata":
        return ids.paragraph(section_id, lead_in=False), None
    # Scraped text sometimes leaves a "," where the lead-in's ":" was (see Security).
    return ids.paragraph(section_id, lead_in=stripped.endswith((":", ","))), None


def _build_clauses(
    text: str, blocks: list[_Block], title_index: int | None
) -> tuple[list[Section], list[Clause]]:
    headings = [b.heading for i, b in enumerate(blocks) if b.heading and i != title_index]
    tracker = _SectionTracker(_implicit_section(headings))
    ids = _ClauseIds()
    clauses: list[Clause] = []
    for index, block in enumerate(blocks):
        if block.heading is not None:
            if index != title_index:
                tracker.open(block.heading.title, block.heading.level, block.start, block.end)
                ids.reset()
            continue
        section = tracker.current
        body = text[block.start : block.end]
        clause_id, parent_id = _assign_id(ids, section.id, block, body)
        kind: ClauseKind = "metadata" if block.kind == "metadata" else "bullet"
        if block.kind == "paragraph":
            kind = "paragraph"
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
    used = {c.section_id for c in clauses}
    sections = [s for s in tracker.sections if s is not tracker.implicit or s.id in used]
    return sections, clauses


def parse_policy(text: str, source: str = "policy") -> Policy:
    """Parse policy text. A leading byte-order mark is dropped, so offsets index the
    returned ``policy.text``, which is what citations quote."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise PolicyError(f"{source} is empty (no text besides whitespace)")
    if len(text) > MAX_POLICY_BYTES:
        raise PolicyError(_too_large(source, len(text), "characters"))
    blocks = _Classifier(text).run()
    _plain_headings(blocks, text)
    title_index = _title_index(blocks)
    sections, clauses = _build_clauses(text, blocks, title_index)
    if not clauses:
        raise PolicyError(f"{source} has headings but no policy text")
    title_block = blocks[title_index] if title_index is not None else None
    return Policy(
        title=_document_title(title_block.heading if title_block else None),
        last_updated=parse_last_updated(text),
        source=source,
        text=text,
        sections=tuple(sections),
        clauses=tuple(clauses),
        title_span=(title_block.start, title_block.end) if title_block else None,
    )


# ---------------------------------------------------------------- sentences

# Abbreviations whose full stop is not a sentence end even before a capital.
ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "etc", "mr", "mrs", "ms", "dr", "vs", "inc", "ltd", "co", "st", "approx"}
)
SENTENCE_END_RE = re.compile(r"(?<![.!?])[.!?]++[\"\u201d\u2019)]*+(?=\s++[\"\u201c(]?[A-Z0-9])")
LINE_BREAK_RE = re.compile(r"[\n\r\u2028\u2029]")
_WORD_BEFORE_RE = re.compile(r"[\w.]*$")
_NUMBER_AFTER_RE = re.compile(r"\.\s*\d")


def _is_abbreviation(text: str, stop: int) -> bool:
    """Whether the full stop at ``stop`` ends an abbreviation ("e.g.", "No. 5")."""
    if text[stop] != ".":
        return False
    word = _WORD_BEFORE_RE.search(text, max(0, stop - 12), stop)
    token = word.group().lower() if word else ""
    if token == "no":
        return _NUMBER_AFTER_RE.match(text, stop) is not None
    return token in ABBREVIATIONS


def iter_sentences(clause_text: str) -> Iterator[tuple[int, int]]:
    """Spans of the sentences in a clause, so an answer can quote an exact sub-span.

    A boundary is end punctuation followed by a capitalised word, except after
    common abbreviations ("e.g. Improving" does not end a sentence); line breaks
    inside a clause also end a sentence. The spans cover every non-space character.
    """
    cuts = {0, len(clause_text)}
    for m in SENTENCE_END_RE.finditer(clause_text):
        if not _is_abbreviation(clause_text, m.start()):
            cuts.add(m.end())
    cuts.update(m.end() for m in LINE_BREAK_RE.finditer(clause_text))
    for start, end in itertools.pairwise(sorted(cuts)):
        segment = clause_text[start:end]
        lead = len(segment) - len(segment.lstrip())
        trail = len(segment.rstrip())
        if trail > lead:
            yield start + lead, start + trail


def phrase_spans(text: str, phrases: Iterable[str]) -> list[tuple[int, int]]:
    """Every occurrence of every phrase in ``text``, as (start, end) offsets."""
    spans = []
    for phrase in phrases:
        start = text.find(phrase)
        while start >= 0:
            spans.append((start, start + len(phrase)))
            start = text.find(phrase, start + 1)
    return spans
