"""The slot-filling and confirmation flow: one user message in, one ``FlowStep`` out.

Reading a message while a request is pending, in order:
1. "no", "cancel", "never mind", "forget it" (alone, or opening the message) cancel at
   any step (but "no" to an optional question skips it; "never mind, just unsubscribe
   me" is a switch);
2. at confirmation, a whole-message "yes" means file it (``filed_ready``);
3. details stated explicitly ("my email is ...", "it should be Smith") update the slots,
   also at confirmation, which then re-summarises; a correction's value must be of its
   field's kind (``slots.fit_value``): an email is never a phone number's new value;
4. a different rights request ("actually just unsubscribe me") is a ``switch``;
5. otherwise the message may be a bare answer to the last question ("jane@x.org",
   "Smith", "I'm his coach");
6. anything else, typically a side question, is ``not_for_me``: the session answers
   it and shows ``resume_prompt`` so the request stays pending.

``advance`` updates the request in place. The flow never files anything: on
``filed_ready`` the caller commits the ticket (``to_draft`` -> store) and only then tells
the user, with ``filed_message``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from assistant.brand import Brand, or_configured
from assistant.rights import answers
from assistant.rights import slots as s
from assistant.rights.acts import is_question
from assistant.rights.recognition import Detection, detect_request
from assistant.rights.secrets import MASK_PREFIX, scrub
from assistant.rights.state import RequestInProgress, missing_slots, refresh
from assistant.rights.templates import fill, question, self_service, summary, wording
from assistant.rights.text import clean, normalise
from assistant.tickets import (
    Channel,
    Correction,
    DsrTicket,
    RequesterRole,
    RequestType,
    TicketDraft,
)

StepKind = Literal["asked", "confirm", "filed_ready", "cancelled", "not_for_me", "switch"]

# Longest value kept per slot (the ticket model's limits, or less).
_MAX_LEN = {s.PHONE: 32, s.USERNAME: 100, s.CHILD_ACCOUNT: 100, s.REQUESTER_NOTE: 200}
_DEFAULT_MAX_LEN = 1000
_CONTACT_SLOTS = (s.EMAIL, s.USERNAME, s.PHONE)
_SWITCH_CONFIDENCE = 0.5


@dataclass(frozen=True)
class FlowStep:
    kind: StepKind
    message: str = ""  # what to say; empty for not_for_me, switch and filed_ready
    slot: str | None = None  # the slot asked for, when kind == "asked"
    detection: Detection | None = None  # the new request, when kind == "switch"
    notice: str | None = None  # the don't-send-secrets notice, when the message had one

    @property
    def reply(self) -> str:
        """Notice and message together, for callers that show no secret notice of their own."""
        return "\n\n".join(part for part in (self.notice, self.message) if part)


@dataclass
class _Reading:
    updates: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # why the answer was rejected
    problem_slot: str = s.EMAIL  # the slot asked again after a problem
    skipped: str | None = None  # an optional slot the user declined
    reask: bool = False  # an answer too vague to keep ("the processing")

    @property
    def handled(self) -> bool:
        return bool(self.updates or self.problem or self.skipped or self.reask)


def _keep(slots: dict[str, str]) -> dict[str, str]:
    """Slot values fit for a ticket: trimmed, bounded, and never a redacted secret."""
    kept = {}
    for key, raw in slots.items():
        value = raw.strip()[: _MAX_LEN.get(key, _DEFAULT_MAX_LEN)]
        if value and MASK_PREFIX.lower() not in value.lower():
            kept[key] = value
    return kept


def start(detection: Detection) -> RequestInProgress:
    """A new request from a detection; its request_id is minted here, once."""
    if detection.other_person:
        raise ValueError("a request for another person's data cannot become a ticket")
    state = RequestInProgress(detection.request_type, slots=_keep(dict(detection.slots)))
    refresh(state)
    return state


def _next_step(state: RequestInProgress, prefix: str = "") -> FlowStep:
    refresh(state)
    if state.missing:
        state.asked = state.missing[0]
        text = question(state.asked, state.slots, state.request_type)
        joint = "\n\n" if "\n" in prefix else " "  # a question after a paragraph stands alone
        return FlowStep("asked", f"{prefix}{joint}{text}".strip(), slot=state.asked)
    state.asked = None
    return FlowStep("confirm", f"{prefix}\n\n{summary(state.request_type, state.slots)}".strip())


def opening_step(state: RequestInProgress, *, closest: str | None = None) -> FlowStep:
    """The first reply to a new request: the first question, or straight to the summary.
    ``closest``: the text of the nearest right the policy grants, when it never names this
    one (`names_the_right`); the reply then says so, quoting it, before offering to file."""
    label = wording().labels[state.request_type]
    opening = fill(wording().opening, {"label": label})
    if closest is not None:
        unnamed = fill(wording().unnamed_right, {"label": label, "quote": closest})
        opening = f"{unnamed} {opening}"
    return _next_step(
        state, "\n\n".join(p for p in (opening, self_service(state.request_type)) if p)
    )


def _explicit(state: RequestInProgress, text: str, norm: str, brand: Brand) -> _Reading:
    """Details the message states in so many words, whatever was asked."""
    minor = state.request_type is RequestType.MINOR_DATA_DELETION
    field = state.slots.get(s.CORRECTION_WHAT)
    found = s.extract(
        text, norm, state.request_type, minor=minor, field=field, own_domains=brand.domains
    )
    if s.CORRECTION_VALUE not in found and field:
        found.pop(s.CORRECTION_WHAT, None)  # "my email is ..." must not rename the field
    if state.asked == s.CHILD_ACCOUNT and s.EMAIL in found:
        # An address given in answer to "the child's account?" is that answer, not the
        # requester's contact email.
        found.setdefault(s.CHILD_ACCOUNT, found.pop(s.EMAIL))
    if state.asked == s.CORRECTION_VALUE and s.CORRECTION_VALUE not in found:
        # The bare new value, when it is of the field's kind ("+44 7700 900123" for a
        # phone number); an address given for a phone number stays the contact email.
        own_slot = {"email": s.EMAIL, "phone": s.PHONE}.get(s.field_kind(field))
        if own_slot and own_slot in found:
            found[s.CORRECTION_VALUE] = found.pop(own_slot)
        elif own_slot and found.keys() & {s.EMAIL, s.PHONE}:
            wrong = fill(wording().problems.wrong_kind, {"field": field or ""})
            return _Reading(_keep(found), problem=wrong, problem_slot=s.CORRECTION_VALUE)
    reading = _Reading(updates=_keep(found))
    if s.EMAIL not in found:
        problem = s.check_emails(text).problem
        if problem:
            reading.problem = fill(wording().problems.invalid_email, {"reason": problem})
            if state.asked == s.CORRECTION_VALUE:  # a bad new address: ask for it again
                reading.problem_slot = s.CORRECTION_VALUE
    return reading


def _bare_value(state: RequestInProgress, text: str) -> _Reading:
    """The correct value, checked against the kind of field it corrects."""
    field = state.slots.get(s.CORRECTION_WHAT)
    raw = answers.bare_value(text)
    value = s.fit_value(field, raw) if raw else None
    if value:
        return _Reading(updates=_keep({s.CORRECTION_VALUE: value}))
    if raw is None or s.field_kind(field) == "text":
        return _Reading(reask=True)
    problem = fill(wording().problems.wrong_kind, {"field": field or ""})
    return _Reading(problem=problem, problem_slot=s.CORRECTION_VALUE)


def _bare(state: RequestInProgress, text: str, norm: str, brand: Brand) -> _Reading:
    """The message as a bare answer to the question last asked."""
    slot = state.asked
    if slot is None or is_question(norm, brand):
        return _Reading()
    if slot == s.EMAIL:
        return _Reading(problem=wording().problems.not_an_email)
    if slot == s.CHILD_ACCOUNT:
        account = None if answers.is_skip(norm) else answers.bare_account(text)
        if account:
            return _Reading(updates=_keep({slot: account}))
        return _Reading(skipped=slot) if len(norm.split()) <= 6 else _Reading()
    if slot == s.REQUESTER_ROLE:
        role = s.parse_role_answer(norm, text)
        if role is None:
            return _Reading()
        updates = {slot: role[0].value, **({s.REQUESTER_NOTE: role[1]} if role[1] else {})}
        return _Reading(updates=_keep(updates))
    if slot == s.CORRECTION_VALUE:
        return _bare_value(state, text)
    value = {s.CORRECTION_WHAT: answers.bare_field}.get(
        slot, lambda t: t.strip() if s.meaningful(t) else None
    )(text)
    return _Reading(updates=_keep({slot: value})) if value else _Reading(reask=True)


def _apply(state: RequestInProgress, reading: _Reading) -> FlowStep:
    state.slots.update(reading.updates)
    if reading.skipped:
        state.declined.append(reading.skipped)
    if reading.problem:
        slot = reading.problem_slot
        refresh(state)
        state.asked = slot
        return FlowStep(
            "asked", f"{reading.problem} {question(slot, state.slots, state.request_type)}", slot
        )
    return _next_step(state)


def _switch_or_restated(state: RequestInProgress, text: str, brand: Brand) -> FlowStep | None:
    """A rights request in the message: a new one is a switch, the same one a nudge."""
    detection = detect_request(text, brand)
    if detection is None or detection.other_person:
        return None
    kinds = {detection.request_type, state.request_type}
    if len(kinds) == 1 or kinds == {RequestType.ERASURE, RequestType.MINOR_DATA_DELETION}:
        return _next_step(state)
    if detection.confidence < _SWITCH_CONFIDENCE:
        return None
    carried = {k: state.slots[k] for k in _CONTACT_SLOTS if k in state.slots}
    return FlowStep("switch", detection=replace(detection, slots={**carried, **detection.slots}))


def _decide(state: RequestInProgress, text: str, norm: str, brand: Brand) -> FlowStep:
    optional_asked = state.asked == s.CHILD_ACCOUNT
    if answers.is_cancel(norm) and not (optional_asked and answers.is_skip(norm)):
        switched = _switch_or_restated(state, text, brand)  # "never mind, just unsubscribe me"
        if switched is not None and switched.kind == "switch":
            return switched
        state.status, state.asked = "cancelled", None
        return FlowStep("cancelled", wording().cancelled)
    if state.status == "awaiting_confirmation" and answers.is_affirmative(norm):
        return FlowStep("filed_ready")
    reading = _explicit(state, text, norm, brand)
    if reading.handled:
        return _apply(state, reading)
    switched = _switch_or_restated(state, text, brand)
    if switched is not None:
        return switched
    if state.status == "needs_info":
        reading = _bare(state, text, norm, brand)
        if reading.handled:
            return _apply(state, reading)
    elif not is_question(norm, brand) and len(norm.split()) <= 6:
        return _next_step(state)  # "hmm" at confirmation: show the summary again
    return FlowStep("not_for_me")


def advance(state: RequestInProgress, message: str, brand: Brand | None = None) -> FlowStep:
    """Read one user message against a pending request (updated in place); ``brand``: the
    company addressed (the configured policy's if None)."""
    text, secrets = scrub(clean(message))
    notice = wording().secrets_notice.strip() if secrets else None
    if state.status not in ("needs_info", "awaiting_confirmation"):
        return FlowStep("not_for_me", notice=notice)
    step = _decide(state, text, normalise(text), or_configured(brand))
    return replace(step, notice=notice) if notice else step


def resume_prompt(state: RequestInProgress) -> str:
    """A one-line reminder of a pending request, shown after answering a side question."""
    text = wording()
    label = text.labels[state.request_type]
    if state.status == "awaiting_confirmation":
        return fill(text.resume.awaiting_confirmation, {"label": label})
    if state.status == "needs_info" and state.missing:
        ask = question(state.missing[0], state.slots, state.request_type)
        return fill(text.resume.needs_info, {"label": label, "question": ask})
    return ""


def filed_message(state: RequestInProgress, ticket: DsrTicket) -> str:
    due = ticket.due_at
    values = {
        "label": wording().labels[state.request_type],
        "ticket_id": ticket.id,
        "email": ticket.identity.email,
        "due_date": f"{due.day} {due:%B %Y}",
    }
    return fill(wording().filed, values)


def policy_query(state: RequestInProgress) -> str:
    """A retrieval query for the policy clauses that back this request type."""
    return wording().policy_queries[state.request_type]


def to_draft(
    state: RequestInProgress,
    session_id: str,
    channel: Channel = Channel.CHAT,
    cited_clause_ids: Sequence[str] = (),
) -> TicketDraft:
    """The store's input for a complete request (raises ValueError if it is not)."""
    if state.status not in ("awaiting_confirmation", "filed") or missing_slots(state):
        raise ValueError(f"request is not ready to file (missing: {missing_slots(state)})")
    slots = state.slots
    role = RequesterRole(slots.get(s.REQUESTER_ROLE, RequesterRole.SELF.value))
    minor = state.request_type is RequestType.MINOR_DATA_DELETION
    child = slots.get(s.CHILD_ACCOUNT) or (
        slots.get(s.USERNAME) if minor and role is RequesterRole.SELF else None
    )
    corrections: tuple[Correction, ...] = ()
    if state.request_type is RequestType.RECTIFICATION:
        corrections = (Correction(slots[s.CORRECTION_WHAT], slots[s.CORRECTION_VALUE]),)
    details = "\n".join(
        fill(template, slots)
        for key, template in wording().ticket_details.model_dump().items()
        if slots.get(key)
    )
    return TicketDraft(
        request_id=state.request_id,
        request_type=state.request_type,
        email=slots[s.EMAIL],
        session_id=session_id,
        channel=channel,
        username=slots.get(s.USERNAME),
        phone=slots.get(s.PHONE),
        requester_role=role,
        subject_is_minor=minor,
        child_account=child,
        details=details or None,
        corrections=corrections,
        cited_clause_ids=tuple(cited_clause_ids or state.cited_clause_ids),
    )


def request_label(kind: RequestType) -> str:
    """The plain-words name of a request type, as the confirmation uses it."""
    return wording().labels[kind]
