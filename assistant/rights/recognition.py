"""Recognise a user *exercising* a right (not asking about one) and read its details.

``detect_request(message)`` returns a ``Detection`` only when some clause performs a
request (see ``acts``) and the words around it name a right strongly enough (see
``cues``). Decisions that are policy, not linguistics, are made here:

- Asking for another person's data ("give me the email of user john123", "what info do
  you have about user maria_22?") is flagged ``other_person=True``, question or not, so
  the session can refuse in so many words; ``start`` refuses to turn it into a request,
  and evaluation counts it as "no ticket". A parent asking about their own child is not
  "another person": that is ``minor_data_deletion``.
- A child under 18 plus deletion is ``minor_data_deletion``, whoever is asking.
- Explicit consent wording ("I withdraw my consent ...") is ``consent_withdrawal`` even
  when the processing named is marketing; the cue weights make that hold.
- A complaint that marketing keeps arriving is a ``marketing_opt_out`` request; the flow
  still confirms before anything is filed.

``confidence`` is a heuristic in [0, 1] (act strength x topic strength x margin over the
runner-up), useful for ordering and thresholds, not a calibrated probability.

``brand`` is the company the messages are addressed to ("acme, delete my account");
None means the configured policy's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from assistant.brand import Brand, or_configured
from assistant.language import lexicon, phrase_regex
from assistant.rights import slots as slot_readers
from assistant.rights.acts import NEGATED, Act, clause_act, sentence_acts
from assistant.rights.cues import mentions_child, parent_asks_deletion, topic_scores
from assistant.rights.text import Sentence, clean, normalise, sentences
from assistant.tickets import RequestType

# Below this summed cue weight the words do not name a right (e.g. "I want help").
MIN_TOPIC_SCORE = 2.0
_REQUEST_CLAUSE_BONUS = 0.5  # the clause that asks weighs more than its sentence
_CONTEXT_WEIGHT = 0.25  # statements around the request ("my son is 13.")


@dataclass(frozen=True)
class Detection:
    request_type: RequestType
    confidence: float
    slots: dict[str, str] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()  # the request-performing clauses, for logs and debugging
    other_person: bool = False  # asks for someone else's data: refuse, never file


# Adults a user might name; children are the minor-data route, not "someone else".
_ADULT_RELATIONS = (
    r"ex|ex-?(?:partner|wife|husband|boyfriend|girlfriend)|partner|business partner|husband|wife|"
    r"spouse|boyfriend|girlfriend|fianc[eé]e?|friend|colleague|coworker|co-worker|boss|employee|"
    r"neighbou?r|client|customer|brother|sister|mother|father|mom|mum|dad|roommate|flatmate|"
    r"landlord|tenant|employer|manager"
)

_OTHER_PERSON = re.compile(
    r"\b(?:email|phone|number|address|data|details|information|contact|profile|account|name|"
    r"identity)(?: address| number| details)? (?:of|for|belonging to) (?:the |a |this |that )?"
    r"(?:user|member|freelancer|client|customer|someone|somebody|person|seller|buyer|employer|"
    # "other" only with a person after it: "my info for other purposes" is mine (blind 11)
    r"contractor|(?:another|other) (?:users?|members?|people|persons?|freelancers?|clients?|"
    # "the phone number for customer support" is the company's (blind 19, refused)
    r"customers?|sellers?|buyers?))\b(?! (?:support|service|services|care|success|team|desk)\b)"
    r"|\b(?:user|member|freelancer|client|customer) [\w.-]+'s\b"
    r"|\b(?:on|about|for) (?:the )?(?:user|member|freelancer|client|customer) [\w.-]*\d[\w.-]*"
    # what they own, not anything of theirs ("to protect other people's safety")
    r"|\b(?:someone else's|somebody else's|other people's|another (?:user|person|member)'s)"
    r" (?:[\w-]+ )?(?:data|info|information|details|accounts?|e-?mails?|phone|numbers?|"
    r"address(?:es)?|profiles?|messages|history|records|files|payments|names?)\b"
    r"|\b(?:have|hold|keep|store|stored|collected|data|information|details) (?:on|about) my "
    r"(?:ex|ex-[\w-]+|partner|business partner|husband|wife|spouse|friend|colleague|coworker|"
    r"co-worker|boss|employee|neighbour|neighbor|client|customer)\b"
    # Another adult's account or data, named by relation: never a ticket for this user.
    rf"|\b(?:account|accounts|data|details|information|info|profile|email|messages|history)"
    rf" (?:of|for|belonging to) my (?:{_ADULT_RELATIONS})\b"
    rf"|\bmy (?:{_ADULT_RELATIONS}) ?'s\b"
)


def mentions_other_person(message: str) -> bool:
    """True when the message asks for another (adult) person's data, which WorkAllies
    will not hand out; a parent asking about their own child is not matched."""
    return _OTHER_PERSON.search(normalise(clean(message))) is not None


def _score(
    parts: list[tuple[Sentence, list[tuple[str, Act]]]], brand: Brand
) -> dict[RequestType, float]:
    """Cue weights: request sentences in full, request clauses again, the rest lightly.
    Clauses that refuse an action ("I do not want to delete ...") lend no words."""
    scores: dict[RequestType, float] = defaultdict(float)
    for sentence, acts in parts:
        kept = " , ".join(c for c in sentence.clauses if not NEGATED.search(c))
        if acts:
            for kind, weight in topic_scores(kept, brand).items():
                scores[kind] += weight
            for clause, _act in acts:
                for kind, weight in topic_scores(clause, brand).items():
                    scores[kind] += weight * _REQUEST_CLAUSE_BONUS
        elif not sentence.asks:
            for kind, weight in topic_scores(kept, brand).items():
                scores[kind] += weight * _CONTEXT_WEIGHT
    return scores


def _choose(scores: dict[RequestType, float], acts: list[Act]) -> tuple[RequestType, float] | None:
    """Best-scoring type that some act can be evidence for, and its margin."""
    allowed: set[RequestType] = set()
    for act in acts:
        allowed |= set(act.only) if act.only is not None else set(RequestType)
    ranked = sorted(
        ((score, kind) for kind, score in scores.items() if kind in allowed),
        key=lambda pair: (-pair[0], list(RequestType).index(pair[1])),
    )
    if not ranked or ranked[0][0] < MIN_TOPIC_SCORE:
        return None
    top, kind = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
    return kind, (top - runner_up) / top


def _confidence(acts: list[Act], top: float, margin: float) -> float:
    strength = max(act.strength for act in acts)
    return round(strength * min(1.0, 0.55 + top / 10) * (0.75 + 0.25 * margin), 3)


def _other_person(parts: list[tuple[Sentence, list[tuple[str, Act]]]], brand: Brand) -> Detection:
    acts = [act for _s, found in parts for _c, act in found]
    choice = _choose(_score(parts, brand), acts) if acts else None
    kind = choice[0] if choice else RequestType.ACCESS
    confidence = max((act.strength for act in acts), default=0.5)
    return Detection(kind, confidence, {}, _evidence(parts), other_person=True)


def _evidence(parts: list[tuple[Sentence, list[tuple[str, Act]]]]) -> tuple[str, ...]:
    return tuple(clause for _s, found in parts for clause, _a in found)


def detect_request(message: str, brand: Brand | None = None) -> Detection | None:
    """The right the user is exercising in ``message``, with the slots it states; None for
    questions, hypotheticals and third parties' intentions; ``other_person=True`` for
    requests about someone else's data."""
    text = clean(message)
    norm = normalise(text)
    if not norm:
        return None
    brand = or_configured(brand)
    parts = [(s, sentence_acts(s, brand)) for s in sentences(norm)]
    if _OTHER_PERSON.search(norm):
        return _other_person(parts, brand)
    acts = [act for _s, found in parts for _c, act in found]
    if not acts and parent_asks_deletion(norm):
        return _minor_deletion(text, norm, brand)
    if not acts:
        return None
    scores = _score(parts, brand)
    choice = _choose(scores, acts)
    if choice is None:
        return None
    kind, margin = choice
    confidence = _confidence(acts, scores[kind], margin)
    if kind is RequestType.ERASURE and mentions_child(norm):
        kind = RequestType.MINOR_DATA_DELETION
    slots = _slots(text, norm, kind, brand)
    return Detection(kind, confidence, slots, _evidence(parts))


def _slots(text: str, norm: str, kind: RequestType, brand: Brand) -> dict[str, str]:
    minor = kind is RequestType.MINOR_DATA_DELETION
    return slot_readers.extract(text, norm, kind, minor=minor, own_domains=brand.domains)


# A parent's "how do I get his stuff deleted?" asks for exactly one thing.
_PARENT_QUESTION_CONFIDENCE = 0.8


def _minor_deletion(text: str, norm: str, brand: Brand) -> Detection:
    kind = RequestType.MINOR_DATA_DELETION
    slots = _slots(text, norm, kind, brand)
    return Detection(kind, _PARENT_QUESTION_CONFIDENCE, slots, ("parent asks for deletion",))


# The user's own action in a conditional or temporal clause, up to where the question
# about it starts ("if I ask you to delete something | will it always be deleted").
# "if I want to delete ..." prefaces a how-to question, so a wish is not such an action.
# "unless" and "until" ask what happens while it is not done ("do you share my data unless
# I object?"): the right stays on offer.
_EXERCISED = re.compile(
    rf"\b{phrase_regex(lexicon().subordinators - {'unless', 'until'})} i "
    r"(?!(?:\w+ )?(?:want|wish|would like|need|decide|choose|plan)\w*\b)"
    r"((?:(?!\b(?:will|would|is|are|do|does|did|can|could|might|may|should|what|how|who|why)"
    r"\b)[^,?.]){1,80})"
)


def suggest_request(message: str, brand: Brand | None = None) -> RequestType | None:
    """The right a question is clearly about ("can I delete my account?"), so the chat can
    offer to file it. Only an offer: nothing is filed unless the user then says yes. A
    question about what follows exercising it ("if I delete my account, is everything
    gone?") gets none: the user asks about consequences, not how to."""
    norm = normalise(clean(message))
    if not norm or _OTHER_PERSON.search(norm):
        return None
    scores = topic_scores(norm, brand)
    if not scores:
        return None
    kind, top = max(scores.items(), key=lambda pair: pair[1])
    if top < MIN_TOPIC_SCORE or _exercised(norm, kind, brand):
        return None
    if kind is RequestType.ERASURE and mentions_child(norm):
        return RequestType.MINOR_DATA_DELETION
    return kind


def _exercised(norm: str, kind: RequestType, brand: Brand | None) -> bool:
    """Whether ``norm`` names exercising ``kind`` in a conditional or temporal clause."""
    return any(kind in topic_scores(m.group(1), brand) for m in _EXERCISED.finditer(norm))


def detection_for(kind: RequestType, message: str, brand: Brand | None = None) -> Detection:
    """A detection for a type the user accepted from an offer, with the slots ``message`` states."""
    text = clean(message)
    return Detection(kind, 0.5, _slots(text, normalise(text), kind, or_configured(brand)), ())


def says_yes(message: str) -> bool:
    """A whole-message yes ("yes", "yes please", "sure, go ahead")."""
    from assistant.rights.answers import is_affirmative

    return is_affirmative(normalise(clean(message)))


def says_file_it(message: str) -> bool:
    """A yes that names the filing ("file it", "actually, go ahead"), not a bare "ok"."""
    from assistant.rights.answers import is_file_it

    return is_file_it(normalise(clean(message)))


# An offer to file again after a cancel is kept as "again:<type>" between turns.
_AGAIN = "again:"


def restart_offer(kind: RequestType) -> str:
    return f"{_AGAIN}{kind.value}"


def read_offer(offer: str) -> tuple[RequestType, bool]:
    """(the offered type, whether the offer is a restart after a cancel)."""
    again = offer.startswith(_AGAIN)
    return RequestType(offer.removeprefix(_AGAIN)), again


ERASURE = RequestType.ERASURE
_DESIRE_ELLIPSIS = re.compile(r"^(?:also |then )?(?:want|need|would like|wish|ask|request)\b")
# One request clause can ask for two things: "download my data and then delete my account".
_CONJOINED = re.compile(r"\b(?:and(?: then| also)?|as well as|plus)\b")


def _clause_kinds(
    clause: str, act: Act, sentence_scores: dict[RequestType, float], brand: Brand
) -> list[RequestType]:
    """The types one request clause performs: by the words of each conjoined part when
    they name a right ("send me a copy" in "correct my email and send me a copy"), else by
    its sentence's words."""
    kinds = []
    first, *rest = _CONJOINED.split(clause)
    # A later part asks only if it is itself a request ("... and send me a copy"), not an
    # object of the first ("delete my account and all the data you hold on me").
    parts = [(first, act)]
    for part in rest:
        if (own_act := clause_act(part, about_me=True, brand=brand)) is not None:
            parts.append((part, own_act))
        elif _DESIRE_ELLIPSIS.match(part.strip()):  # "I withdraw consent and want you to ..."
            parts.append((part, act))
    for part, part_act in parts:
        own = _choose(topic_scores(part, brand), [part_act])
        if own is not None and own[0] not in kinds:
            kinds.append(own[0])
    if kinds:
        return kinds
    shared = _choose(sentence_scores, [act])
    return [shared[0]] if shared else []


def detect_all(message: str, brand: Brand | None = None) -> list[Detection]:
    """Every right ``message`` exercises, one detection per type, in the order asked (an
    email can ask to stop marketing *and* delete the account). Questions and hypotheticals
    ("if I delete my account, what happens?") add none; a request about someone else's
    data is the one ``other_person`` detection, as in ``detect_request``."""
    brand = or_configured(brand)
    whole = detect_request(message, brand)
    if whole is None or whole.other_person:
        return [whole] if whole else []
    text = clean(message)
    norm = normalise(text)
    minor = mentions_child(norm)
    kinds: list[RequestType] = []
    for sentence in sentences(norm):
        acts = sentence_acts(sentence, brand)
        if not acts:
            continue
        sentence_scores = _score([(sentence, acts)], brand)
        for clause, act in acts:
            for found in _clause_kinds(clause, act, sentence_scores, brand):
                kind = RequestType.MINOR_DATA_DELETION if found is ERASURE and minor else found
                if kind not in kinds:
                    kinds.append(kind)
    if whole.request_type not in kinds:
        kinds.insert(0, whole.request_type)  # context made the whole message's request
    return [
        whole
        if kind is whole.request_type
        else Detection(kind, whole.confidence, _slots(text, norm, kind, brand), whole.evidence)
        for kind in kinds
    ]
