"""Slot extraction: the details a ticket needs, read from the user's own words.

Values come from ``clean`` text (casing kept: "Smith", not "smith"); role cues are read
from ``normalise``d text. Every reader returns None rather than guess: a missing slot
is asked for, a wrong one would be filed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from email_validator import EmailNotValidError, validate_email

from assistant.brand import configured_brand
from assistant.rights.cues import FIELD
from assistant.rights.secrets import MASK_PREFIX as MASK
from assistant.rights.secrets import scrub
from assistant.rights.text import words
from assistant.tickets import RequesterRole, RequestType

EMAIL = "email"
USERNAME = "username"
PHONE = "phone"
REQUESTER_ROLE = "requester_role"
REQUESTER_NOTE = "requester_note"
CHILD_ACCOUNT = "child_account"
CORRECTION_WHAT = "correction_what"
CORRECTION_VALUE = "correction_value"
OBJECTION_GROUNDS = "objection_grounds"

_TOKEN_EDGE = "\"'`.,;:!?()[]{}<>*"


@dataclass(frozen=True)
class EmailCheck:
    valid: tuple[str, ...]
    problem: str | None  # why the first address-like token was rejected, if one was


def check_emails(text: str, own_domains: tuple[str, ...] | None = None) -> EmailCheck:
    """Every whitespace token containing '@' is a candidate; email-validator decides.
    Addresses at ``own_domains`` (the company's, which pasted policy text brings along;
    the configured policy's if None) are never the requester's."""
    if own_domains is None:
        own_domains = configured_brand().domains
    valid: list[str] = []
    problem: str | None = None
    for token in text.split():
        candidate = token.strip(_TOKEN_EDGE)
        if "@" not in candidate:
            continue
        if candidate.lower().startswith("mailto:"):
            candidate = candidate[7:]
        try:
            normalized = validate_email(candidate, check_deliverability=False).normalized
        except (EmailNotValidError, ValueError) as exc:
            problem = problem or str(exc)
            continue
        if not normalized.lower().endswith(own_domains) and normalized not in valid:
            valid.append(normalized)
    return EmailCheck(tuple(valid), problem)


_PHONE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{6,22}\d(?!\w)")  # the ticket's phone charset
_PHONE_CONTEXT = re.compile(
    r"\b(?:phone|mobile|cell|tel|telephone|number|call|calls|text|texts|sms|whatsapp)\b", re.I
)
_DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")


def find_phone(text: str) -> str | None:
    """A phone number: 8-15 digits, introduced by '+' or a phone word shortly before."""
    for match in _PHONE.finditer(text):
        value = match.group(0).strip()
        digits = re.sub(r"\D", "", value)
        if not 8 <= len(digits) <= 15 or _DATE_LIKE.match(value):
            continue
        before = text[max(0, match.start() - 60) : match.start()]
        if value.startswith("+") or _PHONE_CONTEXT.search(before):
            return value
    return None


_NAME_VALUE = r"['\"@]?(?P<v>[A-Za-z0-9_][A-Za-z0-9_.@+-]{1,63})"
_USERNAME = re.compile(
    r"\b(?:user ?name|handle|login (?:name|id)|user ?id|account name|profile name|screen name)\b"
    rf"(?:\s+(?:is|was))?\s*[:=-]?\s*{_NAME_VALUE}",
    re.I,
)
_REGISTERED_AS = re.compile(
    r"\b(?:(?:registered|signed up) as|goes by|account (?:called|named)|under the "
    rf"(?:user ?)?name)\s+{_NAME_VALUE}",
    re.I,
)
_NOT_A_NAME = words("is was my the a an and his her their it if i not please none unknown with")
_CHILD_POSSESSIVE = re.compile(
    r"\b(?:his|her|their|child'?s?|kid'?s?|son'?s?|daughter'?s?|nephew'?s?|niece'?s?)\b", re.I
)


def _name_value(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    value = match.group("v").rstrip(".-")
    return None if value.lower() in _NOT_A_NAME or len(value) < 2 else value


def find_accounts(text: str, *, minor: bool) -> dict[str, str]:
    """username and/or child_account. In a child's case, an account introduced by
    "his/her/their username" or "registered as" is the child's, not the requester's."""
    found: dict[str, str] = {}
    match = _USERNAME.search(text)
    value = _name_value(match)
    if value and match is not None:
        before = text[max(0, match.start() - 30) : match.start()]
        key = CHILD_ACCOUNT if minor and _CHILD_POSSESSIVE.search(before) else USERNAME
        found[key] = value
    registered = _name_value(_REGISTERED_AS.search(text))
    if registered and registered not in found.values():
        found.setdefault(CHILD_ACCOUNT if minor else USERNAME, registered)
    return found


_PARENT = re.compile(
    r"\bmy (?:[\w-]+ ){0,3}?(?:son|daughter|kid|kids|child|children|boy|girl|stepson|stepdaughter|"
    r"teen|teenager)\b"
    r"|\bmy (?:[1-9]|1[0-7])[- ]?years?[- ]?old\b"
    r"(?! (?:nephew|niece|grand|cousin|brother|sister|student|pupil))"
    r"|\b(?:i am|as) (?:his|her|their|the|a) (?:\w+ )?(?:mother|father|mom|mum|"
    r"dad|parent|guardian)\b|\b(?:mother|father|mom|mum|dad|parent|guardian) of\b|\bin my care\b"
)
_AGENT = re.compile(
    r"\bon behalf of\b|\bauthori[sz]ed (?:agent|representative)\b|\bi represent\b|\bacting for\b"
    r"|\bmy (?:[\w-]+ ){0,3}?(?:nephew|niece|grandson|granddaughter|cousin|brother|sister|"
    r"student|pupil)\b"
    r"|\bi am (?:his|her|their|the child's|the kid's) (?:\w+ )?(?:teacher|coach|aunt|uncle|"
    r"grandmother|grandfather|grandma|grandpa|grandparent|brother|sister|sibling|cousin|tutor|"
    r"lawyer|solicitor|attorney|social worker|carer|caregiver|neighbour|neighbor|friend)\b"
)
_SELF_MINOR = re.compile(
    r"\bi am (?:only |just )?(?:[1-9]|1[0-7])\b(?! (?:minutes|hours|days|weeks|months|percent))"
    r"|\bi am (?:a minor|underage|under 18|under age|not (?:yet )?18|the (?:child|minor|kid))\b"
)


def find_role(norm: str) -> tuple[RequesterRole, str | None] | None:
    """Who is asking, from cues in a message (parent cues win over relatives and age)."""
    if _PARENT.search(norm):
        return RequesterRole.PARENT_GUARDIAN, None
    agent = _AGENT.search(norm)
    if agent:
        return RequesterRole.AUTHORIZED_AGENT, agent.group(0)
    if _SELF_MINOR.search(norm):
        return RequesterRole.SELF, None
    return None


_ROLE_PARENT_WORDS = re.compile(r"\b(?:parent|mother|father|mom|mum|dad|guardian|stepparent)\b")
_ROLE_SELF_WORDS = re.compile(
    r"^(?:me|myself|self|i am|it is me|the child|the minor|the kid|it is my account)\b"
    r"|\b(?:my own account|i am the (?:child|minor|kid|account holder))\b"
)


def parse_role_answer(norm: str, clean_text: str) -> tuple[RequesterRole, str | None] | None:
    """A bare answer to "are you the parent, the child, or someone else?"."""
    if not norm.strip(" .!?"):
        return None
    if _ROLE_PARENT_WORDS.search(norm):
        return RequesterRole.PARENT_GUARDIAN, None
    found = find_role(norm)
    if found is not None:  # keep the user's own words (and casing) for who they are
        return found[0], clean_text.strip(" .!")[:80] if found[1] else None
    if _ROLE_SELF_WORDS.search(norm.strip()):
        return RequesterRole.SELF, None
    # Anyone else (a teacher, a relative) acts on the child's behalf; keep their words.
    return RequesterRole.AUTHORIZED_AGENT, clean_text.strip(" .!")[:80]


_VALUE_STOP = re.compile(
    r"[!?;\n]|\.(?:\s|$)|,\s*(?:i|it|please|thanks|thank|and|but|so|can|could|that|which|not|"
    r"because|my|as|instead)\b|\s(?:not|instead|please|thanks|but|because|rather than)\b|"
    r"\s+and (?:my|i|please|the|also)\b|\s+-\s",
    re.I,
)
_GENERIC_FIELDS = ("details", "records", "record", "information", "data", "spelling")
_CHANGE_TO = re.compile(
    rf"\b(?:change|update|correct|fix|amend|rectify|set|edit)\w*\s+(?:the\s+|my\s+)?"
    rf"(?:spelling\s+of\s+(?:my\s+)?)?(?P<what>{FIELD})\b(?:\s+from\s+.{{1,60}}?)?\s+to\s+",
    re.I,
)
_CORRECTED_TO = re.compile(
    rf"\b(?:my|the)\s+(?P<what>{FIELD})\b.{{0,40}}?\b(?:corrected|changed|updated|fixed|"
    rf"amended)\s+to\s+",
    re.I,
)
_SHOULD_BE = re.compile(
    rf"\b(?:my|the|your)\s+(?P<what>{FIELD})\b(?:[^.!?;]|\.(?=\S)){{0,80}}?\b(?:should\s+"
    rf"(?:be|read|say)|needs\s+to\s+be|must\s+be|is\s+actually|ought\s+to\s+be)\s+",
    re.I,
)
_VALUE_ONLY = re.compile(
    rf"\b(?:the\s+)?(?:correct|right|new|actual|proper)\s+(?:one|value|spelling|version|{FIELD})"
    r"\s+(?:is|should\s+be)\s+|\bit(?:'s|\s+is)\s+(?:now|actually)\s+|\bshould\s+(?:be|read)\s+"
    r"|\b(?:change|update|correct|fix|amend|set|edit|make)\w*\s+(?:it|that|this|them)\s+(?:to|into)\s+",
    re.I,
)
# "you spelled my name wrong, it's Siobhan": after a report of an error, "it's X" is X.
_WRONGNESS = re.compile(r"\b(?:wrong|incorrect|misspel\w*|mistyped|typo|inaccurate)\b", re.I)
_IT_IS = re.compile(r"\bit(?:'s|\s+is)\s+(?!(?:wrong|incorrect|not|in|on|spelled|spelt)\b)", re.I)
_IT_IS_NOT = re.compile(r"\bit(?:'s|\s+is)\s+(?P<v>[^,.;!?]{1,60}),?\s+not\s+[^,.;!?]{1,60}", re.I)
_WHAT = re.compile(rf"\b(?:my|the|your)\s+(?:spelling\s+of\s+(?:my\s+)?)?(?P<what>{FIELD})\b", re.I)


def cut_value(rest: str) -> str | None:
    """The value at the start of ``rest``, up to where the sentence moves on."""
    rest = rest[:160]
    stop = _VALUE_STOP.search(rest)
    value = (rest[: stop.start()] if stop else rest).strip(" '\"`.,:")
    return value or None


def find_field(text: str) -> str | None:
    """The data field a message is about, preferring specific fields over "my details"."""
    fields = [m.group("what").lower() for m in _WHAT.finditer(text)]
    specific = [f for f in fields if f not in _GENERIC_FIELDS]
    return (specific or fields or [None])[0]


def find_correction(text: str) -> tuple[str | None, str | None]:
    """(what is wrong, the correct value) from one message; either may be None."""
    for pattern in (_CHANGE_TO, _CORRECTED_TO, _SHOULD_BE):
        match = pattern.search(text)
        if match:
            return match.group("what").lower(), cut_value(text[match.end() :])
    value: str | None = None
    match = _VALUE_ONLY.search(text)
    if match:
        value = cut_value(text[match.end() :])
    elif (not_match := _IT_IS_NOT.search(text)) is not None:
        value = not_match.group("v").strip(" '\"")
    elif _WRONGNESS.search(text) and (it_is := _IT_IS.search(text)) is not None:
        value = cut_value(text[it_is.end() :])
    return find_field(text), value


_OBJECT_TO = re.compile(r"\bobject(?:ing)?\s+to\s+(?:you\s+|the\s+fact\s+that\s+you\s+)?", re.I)
_GROUNDS_CUE = re.compile(
    r"\b(?:profil(?:ing|ed|e me)|automated\s+decision[\w-]*|legitimate\s+interests?|"
    r"analy[sz]\w*|track\w*|monitor\w*|using\s+my\s+(?:data|information|activity)\s+for)",
    re.I,
)
_VAGUE = words(
    """the processing process of my data personal information your it this that use using you me
    to any all please a an and being used for on in"""
)


def meaningful(grounds: str) -> bool:
    """Grounds must say more than "the processing of my data"."""
    return any(word not in _VAGUE for word in re.findall(r"[a-z']+", grounds.lower()))


def find_grounds(text: str) -> str | None:
    """What the user objects to: the object of "object to ...", else the sentence naming
    the processing (profiling, automated decisions, legitimate interests)."""
    match = _OBJECT_TO.search(text)
    if match:
        grounds = cut_value(text[match.end() :])
        if grounds and meaningful(grounds):
            return grounds
    cue = _GROUNDS_CUE.search(text)
    if cue is None:
        return None
    start = max(text.rfind(mark, 0, cue.start()) for mark in ".!?;\n")
    end_candidates = [i for i in (text.find(m, cue.end()) for m in ".!?;\n") if i >= 0]
    sentence = text[start + 1 : min(end_candidates, default=len(text))].strip(" '\"")
    return sentence[:200] or None


def extract(
    text: str,
    norm: str,
    request_type: RequestType,
    *,
    minor: bool,
    field: str | None = None,
    own_domains: tuple[str, ...] | None = None,
) -> dict[str, str]:
    """All slots a message states for a request of ``request_type``. ``field`` is the
    field a rectification already names (from an earlier turn), to check values against;
    ``own_domains`` as in ``check_emails``. Passwords stated in words are masked first,
    so none can become any slot."""
    text, _found = scrub(text)
    slots: dict[str, str] = {}
    emails = check_emails(text, own_domains).valid
    value = None
    if request_type is RequestType.RECTIFICATION:
        what, value = _correction(text, field)
        slots.update({k: v for k, v in ((CORRECTION_WHAT, what), (CORRECTION_VALUE, value)) if v})
    contact = [e for e in emails if value is None or e.lower() != value.lower()]
    if contact:
        slots[EMAIL] = contact[0]
    slots.update(find_accounts(text, minor=minor))
    phone = find_phone(text)
    if phone and not (value and _digits(value) == _digits(phone)):
        slots[PHONE] = phone  # the number on the account, not the one it should become
    role = find_role(norm)
    if role is not None and (minor or role[0] is RequesterRole.AUTHORIZED_AGENT):
        slots[REQUESTER_ROLE] = role[0].value
        if role[1]:
            slots[REQUESTER_NOTE] = role[1]
    if request_type is RequestType.OBJECTION:
        grounds = find_grounds(text)
        if grounds:
            slots[OBJECTION_GROUNDS] = grounds
    return slots


def _correction(text: str, field: str | None) -> tuple[str | None, str | None]:
    """(field named in this text or implied by the value's kind, a value that fits it)."""
    what, value = find_correction(text)
    if value is None:
        return what, None
    known = what or field
    if known is None or known in _GENERIC_FIELDS:
        return what or field_for(value), fit_value(field_for(value), value)
    return what, fit_value(known, value)


# ---------------------------------------------------------------- value kinds
# Each field takes one kind of value: an email is never saved as a phone number, a phone
# number never as an email or a name.
FieldKind = Literal["email", "phone", "date", "name", "text"]
_KIND_OF_FIELD: tuple[tuple[FieldKind, re.Pattern[str]], ...] = (
    ("email", re.compile(r"^e-?mail(?: address)?$")),
    ("phone", re.compile(r"^(?:phone|mobile|telephone|cell)(?: number)?$")),
    ("date", re.compile(r"^(?:date of birth|birth date|birthday|dob)$")),
    ("name", re.compile(r"\bname$|^surname$|^title$|^job title$")),
)
_PHONE_VALUE = re.compile(r"^\+?[\d ().-]{7,24}$")
_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)


def field_kind(what: str | None) -> FieldKind:
    name = (what or "").lower().strip()
    return next((kind for kind, pattern in _KIND_OF_FIELD if pattern.search(name)), "text")


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def as_phone(value: str) -> str | None:
    """``value`` when it is a phone number and nothing else (7-15 digits)."""
    value = value.strip(" .,;")
    return value if _PHONE_VALUE.match(value) and 7 <= len(_digits(value)) <= 15 else None


def field_for(value: str) -> str | None:
    """The field a bare value can only be for: an email address or a phone number."""
    if check_emails(value).valid and len(value.split()) == 1:
        return "email address"
    return "phone number" if as_phone(value) else None


def fit_value(what: str | None, value: str) -> str | None:
    """``value`` as field ``what`` takes it, or None when it cannot be that field's value."""
    value = value.strip()
    if not value or MASK in value:
        return None
    kind = field_kind(what)
    emails = check_emails(value).valid
    if kind == "email":
        return emails[0] if len(emails) == 1 and len(value.split()) == 1 else None
    if "@" in value:
        return None  # an address is only ever an email field's value
    if kind == "phone":
        return as_phone(value)
    if kind == "date":
        return value if re.search(r"\d", value) or _MONTH.search(value) else None
    if kind == "name" and len(_digits(value)) >= 4:
        return None  # a name is not a number
    return value
