"""Turning cited policy sentences into a short chat answer.

Nothing here invents content: a statement is a policy sentence, either verbatim or in
reported speech ("We don't sell ..." -> "Acme says it doesn't sell ...", the company
named as ``Wording.company`` names it), with its citation marker. When the rewrite is not
safe the sentence is quoted as it stands.
"""

from __future__ import annotations

import re

from assistant.answering.selection import LABEL_RE
from assistant.answering.wording import Wording

MIN_LABELLED_WORDS = 4  # a labelled body this long is a sentence of its own
FIRST_PERSON_RE = re.compile(r"\b(?:[Ww]e|[Uu]s|[Oo]urs?|[Oo]urselves)\b")
MODALS = frozenset(
    ["may", "might", "will", "would", "can", "cannot", "could", "must", "should", "shall"]
)
# Coordinated verbs after the first ("We track and record") are recognised from this list
# only: without a tagger a word after "and" may as well be a noun.
COORDINATED_VERBS = frozenset(
    [
        "record",
        "rent",
        "process",
        "store",
        "use",
        "share",
        "collect",
        "retain",
        "keep",
        "delete",
        "disclose",
        "transfer",
        "investigate",
        "rectify",
        "sell",
        "combine",
        "receive",
        "gather",
        "protect",
        "update",
    ]
)
IRREGULAR = {"have": "has", "do": "does", "are": "is", "were": "was", "go": "goes"}
ADVERB_RE = r"(?:(?:\w+ly|never|also|only|still|always|further)\s+)*"
WE_CLAUSE_RE = re.compile(
    r"\b(?P<we>[Ww]e)(?:['’](?P<contraction>ve|ll|re|d))?\b"
    r"(?P<space>\s+)(?P<adverbs>" + ADVERB_RE + r")(?P<verb>[A-Za-z]+(?:['’]t)?)"
    r"(?P<coord>\s+(?:and|or)\s+(?P<verb2>[a-z]+))?"
)
CONNECTIVE_RE = re.compile(
    r"^(?:Additionally|Furthermore|Moreover|Alternatively|Also|In addition|Further),\s+"
)
# A contrast is kept, but ahead of the reporting verb: "WorkAllies says however, there are
# circumstances ..." (blind batch 15's "do you keep my data forever?") is no sentence;
# "However, WorkAllies says there are circumstances ..." is.
CONTRAST_RE = re.compile(r"^(?P<word>However|Nevertheless|Nonetheless),\s+")
CONTRACTIONS = {"ve": "has", "ll": "will", "re": "is", "d": "would"}


def third_person_verb(verb: str) -> str:
    lower = verb.lower()
    for negative in ("don't", "don’t"):
        if lower == negative:
            return "doesn" + verb[3:]
    if lower in MODALS or "'" in lower or "’" in lower:
        return verb
    if lower in IRREGULAR:
        return IRREGULAR[lower]
    if re.search(r"(s|sh|ch|x|z|o)$", lower):
        return verb + "es"
    if re.search(r"[^aeiou]y$", lower):
        return verb[:-1] + "ies"
    return verb + "s"


def _rewrite_we(match: re.Match[str]) -> str:
    if match["contraction"]:
        head = f"it {CONTRACTIONS[match['contraction']]}"
        return head + match.group(0)[match.end("contraction") - match.start() :]
    verb = third_person_verb(match["verb"])
    coord = match["coord"] or ""
    if match["verb2"] and match["verb2"] in COORDINATED_VERBS:
        coord = coord[: -len(match["verb2"])] + third_person_verb(match["verb2"])
    return f"it{match['space']}{match['adverbs']}{verb}{coord}"


def reported_speech(sentence: str, company: str) -> str | None:
    """The sentence with ``company`` in the third person, or None if it has no first person."""
    if not FIRST_PERSON_RE.search(sentence):
        return None
    # "Acme says additionally, it ..." reads badly; the connective only linked the
    # sentence to its neighbour in the policy.
    sentence = CONNECTIVE_RE.sub("", sentence, count=1)
    text = WE_CLAUSE_RE.sub(_rewrite_we, sentence)
    text = re.sub(r"\b[Oo]urselves\b", "itself", text)
    text = re.sub(r"\b[Oo]urs?\b", "its", text)
    text = re.sub(r"\bus\b", lambda _us: company, text)
    if re.search(r"\b[Ww]e\b", text):  # a "we" the rewrite did not understand
        return None
    return lower_first(text, company)


def lower_first(text: str, company: str) -> str:
    """Lower-case the first letter unless the first word is a name (``company``'s, however
    the policy capitalises it: "Workallies does ...") or an acronym."""
    first = text.split(" ", 1)[0]
    named = bool(company) and first.lower().startswith(company.lower())
    if len(first) > 1 and first[1:].islower() and not named:
        return text[0].lower() + text[1:]
    return text


def _reported(wording: Wording, sentence: str) -> str:
    """ "{company} says {sentence}", opening with a capital even for a generic name."""
    text = wording.reported.format(company=wording.company, sentence=sentence)
    return text[:1].upper() + text[1:]


def with_marker(text: str, markers: str) -> str:
    body = text.rstrip()
    end = "."
    if body.endswith(("?", "!")):
        body, end = body[:-1], body[-1]
    body = body.rstrip(".:;, ")
    return f"{body} {markers}{end}"


def _after(opening: re.Match[str] | None, sentence: str) -> str:
    """The sentence from where ``opening`` (a connective it opens with) ends, capitalised;
    unchanged without one."""
    if opening is None:
        return sentence
    rest = sentence[opening.end() :]
    return rest[:1].upper() + rest[1:]


def render_sentence(sentence: str, markers: str, wording: Wording) -> str:
    match = LABEL_RE.match(sentence)
    body = sentence[match.end("label") + 1 :].strip() if match else ""
    # "Erasure: Under certain ..." reads as its body; "Last Updated: Jun 7, 2024" does not,
    # nor does a sentence that runs on after its colon ("This data serves multiple
    # purposes: enhancing ..." was shown from "enhancing", blind batch 11 after its scoring)
    if len(body.split()) >= MIN_LABELLED_WORDS and body[:1].isupper():
        sentence = body
    sentence = _after(CONNECTIVE_RE.match(sentence), sentence)
    contrast = CONTRAST_RE.match(sentence)
    reported = reported_speech(_after(contrast, sentence), wording.company)
    if reported is not None:
        shown = _reported(wording, reported)
        if contrast:
            shown = f"{contrast['word']}, {lower_first(shown, wording.company)}"
        return with_marker(shown, markers)
    if FIRST_PERSON_RE.search(sentence):
        return wording.quoted.format(sentence=sentence.strip()) + f" {markers}"
    return with_marker(sentence, markers)


def list_item(text: str, company: str) -> str:
    """A list entry as it reads inside a sentence: a labelled right shows its label."""
    if match := LABEL_RE.match(text):
        return " ".join(lower_first(word, company) for word in match["label"].split())
    text = text.strip()
    if text.endswith(":"):  # a sub-heading in Title Case ("Sharing with Service Providers:")
        return " ".join(lower_first(word, company) for word in text.rstrip(":").split())
    return lower_first(text.rstrip(".:;,"), company)


def render_list(
    lead_in: str, lead_marker: str, items: list[tuple[str, str]], wording: Wording
) -> str:
    """ "Lead-in [1]: first [2], second [3] and third [4]." """
    head = reported_speech(lead_in, wording.company)
    head = _reported(wording, head) if head else lead_in
    head = head.strip().rstrip(".:;, ")
    rendered = [f"{list_item(text, wording.company)} {marker}" for text, marker in items]
    if len(rendered) > 1:
        body = ", ".join(rendered[:-1]) + " and " + rendered[-1]
    else:
        body = rendered[0] if rendered else ""
    return f"{head} {lead_marker}: {body}." if body else f"{head} {lead_marker}."
