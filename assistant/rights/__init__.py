"""Rights requests: recognise a user exercising a right, fill its details, confirm.

The session layer calls, per turn::

    detection = detect_request(text)            # None: not a rights request
    request = start(detection)                  # unless detection.other_person
    step = opening_step(request)                # asked | confirm
    step = advance(request, text)               # later turns, request updated in place
    draft = to_draft(request, session_id, channel, cited_clause_ids)  # on filed_ready
    filed_message(request, ticket) / resume_prompt(request) / policy_query(request)
    request_citations(kind, search)             # the clauses a request cites
    names_the_right(kind, policy_text)          # False: the opening says the policy doesn't
    dump_state(request) -> dict / load_state(dict) -> request   # between turns
"""

from assistant.rights.flow import (
    FlowStep,
    StepKind,
    advance,
    filed_message,
    opening_step,
    policy_query,
    request_label,
    resume_prompt,
    start,
    to_draft,
)
from assistant.rights.grounds import names_the_right, request_citations
from assistant.rights.recognition import (
    Detection,
    detect_all,
    detect_request,
    detection_for,
    mentions_other_person,
    read_offer,
    restart_offer,
    says_file_it,
    says_yes,
    suggest_request,
)
from assistant.rights.secrets import scrub_stated_passwords
from assistant.rights.state import RequestInProgress, Status, dump_state, load_state

__all__ = [
    "Detection",
    "FlowStep",
    "RequestInProgress",
    "Status",
    "StepKind",
    "advance",
    "detect_all",
    "detect_request",
    "detection_for",
    "dump_state",
    "filed_message",
    "load_state",
    "mentions_other_person",
    "names_the_right",
    "opening_step",
    "policy_query",
    "read_offer",
    "request_citations",
    "request_label",
    "restart_offer",
    "resume_prompt",
    "says_file_it",
    "says_yes",
    "scrub_stated_passwords",
    "start",
    "suggest_request",
    "to_draft",
]
