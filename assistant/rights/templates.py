"""The flow's wording: ``assistant/templates/rights.yaml``, validated once and filled here.

Validation happens at load (pydantic, extra="forbid"): every request type needs a label,
a summary, a grant and a policy query; every askable slot needs a question; and each template may
only use the placeholders listed for it below, so a typo in the YAML fails the first
test run instead of a user's conversation.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.rights import slots as s
from assistant.templates import load_template
from assistant.tickets import RequesterRole, RequestType

SLOT_NAMES = frozenset(
    {
        s.EMAIL,
        s.USERNAME,
        s.PHONE,
        s.REQUESTER_ROLE,
        s.REQUESTER_NOTE,
        s.CHILD_ACCOUNT,
        s.CORRECTION_WHAT,
        s.CORRECTION_VALUE,
        s.OBJECTION_GROUNDS,
    }
)
ASKABLE = frozenset(
    {
        s.EMAIL,
        s.CORRECTION_WHAT,
        s.CORRECTION_VALUE,
        s.OBJECTION_GROUNDS,
        s.REQUESTER_ROLE,
        s.CHILD_ACCOUNT,
    }
)


def placeholders(template: str) -> set[str]:
    return {name for _t, name, _f, _c in string.Formatter().parse(template) if name is not None}


def _check(template: str, allowed: Iterable[str], where: str) -> None:
    unknown = placeholders(template) - set(allowed)
    if unknown:
        raise ValueError(f"{where} uses unknown placeholders {sorted(unknown)}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Problems(_Model):
    invalid_email: str
    not_an_email: str
    wrong_kind: str


class Resume(_Model):
    needs_info: str
    awaiting_confirmation: str


class TicketDetails(_Model):
    objection_grounds: str
    requester_note: str


class Grant(_Model):
    """How to find the clause granting a right: its names, as a policy labels it, and a
    search in its words for a policy that does not label it."""

    names: list[str] = Field(min_length=1)
    query: str = Field(min_length=1)


class RightsTemplates(_Model):
    labels: dict[RequestType, str]
    summaries: dict[RequestType, str]
    detail_lines: dict[str, str]
    roles: dict[RequesterRole, str]
    confirm_footer: str
    questions: dict[str, str]
    guardian_questions: dict[str, str]
    self_service: dict[RequestType, str]
    opening: str
    unnamed_right: str
    problems: Problems
    filed: str
    cancelled: str
    secrets_notice: str
    resume: Resume
    ticket_details: TicketDetails
    grants: dict[RequestType, Grant]
    policy_queries: dict[RequestType, str]

    @model_validator(mode="after")
    def _complete(self) -> RightsTemplates:
        for name in ("labels", "summaries", "grants", "policy_queries"):
            missing = set(RequestType) - set(getattr(self, name))
            if missing:
                raise ValueError(f"{name} lacks {sorted(missing)}")
        if set(RequesterRole) - set(self.roles):
            raise ValueError("roles must name every requester role")
        if ASKABLE - set(self.questions) or set(self.questions) - ASKABLE:
            raise ValueError(f"questions must be exactly {sorted(ASKABLE)}")
        if set(self.guardian_questions) - set(self.questions):
            raise ValueError("guardian_questions may only reword askable questions")
        if set(self.detail_lines) - SLOT_NAMES:
            raise ValueError("detail_lines may only be keyed by slot names")
        self._check_placeholders()
        return self

    def _check_placeholders(self) -> None:
        for kind, text in self.summaries.items():
            _check(text, SLOT_NAMES, f"summaries.{kind}")
        for slot, text in {**self.questions, **self.detail_lines}.items():
            _check(text, SLOT_NAMES, f"questions/detail_lines.{slot}")
        for slot, text in self.guardian_questions.items():
            _check(text, SLOT_NAMES, f"guardian_questions.{slot}")
        for kind, text in self.self_service.items():
            _check(text, (), f"self_service.{kind}")
        for text in (*self.labels.values(), *self.roles.values(), self.confirm_footer):
            _check(text, (), "labels/roles/confirm_footer")
        _check(self.opening, {"label"}, "opening")
        _check(self.unnamed_right, {"label", "quote"}, "unnamed_right")
        _check(self.problems.invalid_email, {"reason"}, "problems.invalid_email")
        _check(self.problems.not_an_email, (), "problems.not_an_email")
        _check(self.problems.wrong_kind, {"field"}, "problems.wrong_kind")
        _check(self.filed, {"label", "ticket_id", "email", "due_date"}, "filed")
        _check(self.cancelled + self.secrets_notice, (), "cancelled/secrets_notice")
        _check(self.resume.needs_info, {"label", "question"}, "resume.needs_info")
        _check(self.resume.awaiting_confirmation, {"label"}, "resume.awaiting_confirmation")
        _check(self.ticket_details.objection_grounds, {s.OBJECTION_GROUNDS}, "ticket_details")
        _check(self.ticket_details.requester_note, {s.REQUESTER_NOTE}, "ticket_details")


@cache
def wording() -> RightsTemplates:
    """The validated templates (read once per process)."""
    return RightsTemplates.model_validate(load_template("rights"))


class _Blank(dict[str, str]):
    """Optional slots that are unset render as empty text, never as KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def fill(template: str, values: Mapping[str, str]) -> str:
    # User text is only ever a *value*: format_map never re-parses it as a template.
    return template.format_map(_Blank(values)).strip()


# Someone asking for a child: "your own email", "your child's username", in plain words.
_FOR_A_CHILD = frozenset(
    {RequesterRole.PARENT_GUARDIAN.value, RequesterRole.AUTHORIZED_AGENT.value}
)


def question(slot: str, slots: Mapping[str, str], request_type: RequestType | None = None) -> str:
    text = wording()
    for_child = (
        request_type is RequestType.MINOR_DATA_DELETION
        and slots.get(s.REQUESTER_ROLE) in _FOR_A_CHILD
    )
    template = (text.guardian_questions if for_child else {}).get(slot, text.questions[slot])
    return fill(template, slots)


def self_service(request_type: RequestType) -> str:
    """What the user can do at once themselves, beside the request (may be empty)."""
    return wording().self_service.get(request_type, "").strip()


def summary(request_type: RequestType, slots: Mapping[str, str]) -> str:
    """The confirmation: what is asked, the details given, identity check, one month."""
    text = wording()
    values = dict(slots)
    if s.REQUESTER_ROLE in values:
        values[s.REQUESTER_ROLE] = text.roles[RequesterRole(values[s.REQUESTER_ROLE])]
    lines = [fill(text.summaries[request_type], values)]
    lines += [fill(line, values) for slot, line in text.detail_lines.items() if values.get(slot)]
    lines.append(text.confirm_footer.strip())
    return "\n".join(lines)
