"""Speech acts: is a clause *asking WorkAllies to do something*, or asking about something?

This module knows nothing about which right is meant (see ``cues``); it only decides
whether a clause performs a request, and how sure that is. The rules, in order:

1. A sentence opening a hypothetical ("if I ...", "even if", "suppose") asks nothing,
   unless the "if" is politeness ("if you could delete ...", "if possible"); a request
   verb inside a conditional or temporal clause ("after I ask for deletion, might you
   ...") is not performed either, and a closing tag ("..., correct?") asks nothing.
2. A clause opening with an interrogative ("can I", "how do I", "what", "does the
   policy") is a question. Two exceptions are requests: a polite request addressed to
   WorkAllies with an action verb and an object ("can you delete my account?",
   "could I get a copy of my data?"), and a complaint that unwanted contact keeps
   coming ("why do I still get emails?"), which only ever counts as a marketing opt-out.
3. Otherwise a clause is a request when it is an imperative ("delete my account"),
   a first-person desire that is not a wish to know ("I want my data deleted", not
   "I want to know how"), a performative ("I withdraw my consent", "this is a subject
   access request"), a wish that processing stop or not happen ("I no longer want you to
   have my info", "I do not want algorithms deciding things about me"; not wanting a
   right's own outcome, "I do not want my account deleted", asks nothing), or a report
   that my data is wrong ("my surname is misspelled", which the policy asks users to
   tell it about; only counts as rectification).
4. A complaint asked as a question ("why do I still get emails?") counts only when it
   takes the contact for granted: "will I still get emails?" and "after I unsubscribe,
   do I still get emails?" ask what follows, and ask nothing to be done.

A request about someone else's data is filtered later (``recognition``), not here.

The company's name (``assistant.brand``) is put into the patterns that address it
("why are acme still emailing me?") once per brand, never per message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.brand import Brand, or_configured
from assistant.language import (
    lexicon,
    opens_like_question,
    phrase_regex,
    question_sentences,
    strip_label,
)
from assistant.language import words as word_tokens
from assistant.rights.text import Sentence, words
from assistant.tickets import RequestType

MARKETING_ONLY = frozenset({RequestType.MARKETING_OPT_OUT})
# Asking to be sent something is never asking for less marketing: "can you send me promo
# text messages" is not an opt-out (blind batch 9, after its scoring).
NOT_MARKETING = frozenset(RequestType) - MARKETING_ONLY
RECTIFICATION_ONLY = frozenset({RequestType.RECTIFICATION})


@dataclass(frozen=True)
class Act:
    """One request-performing clause: how sure, and which types it can be evidence for."""

    kind: str
    strength: float
    only: frozenset[RequestType] | None = None  # None: any type


# Where a pattern names the company a request is addressed to; filled in per brand.
COMPANY = "<company>"
# Leading words that carry no intent of their own ("hi, please just delete ..."); the
# company's name is one too ("dear acme team, ...").
_FILLERS = words(
    """please kindly just hi hello hey ok okay so and also then now again seriously yes
    thanks thank sorry actually honestly hereby right well dear team support
    but or anyway ugh oh hmm hm look listen guys folks"""
)
# Verbs whose imperative asks WorkAllies to act. "tell", "explain", "show" ask for
# information and are deliberately absent.
_ACTIONS = words(
    """delete remove erase wipe purge destroy forget scrub send give provide email mail
    export transfer move port migrate unsubscribe stop cease quit end halt pause freeze
    suspend limit restrict block correct fix update change amend rectify edit close
    deactivate cancel terminate opt take get put release hand let consider treat process
    drop exclude disable withdraw revoke retract rescind download nuke trash bin scrap
    ditch kill shut clear unregister deregister obliterate package compile prepare share
    return view lock make hold"""
)
_SENDING = words("send give provide email mail")
_LESS = re.compile(r"\b(?:no more|nothing|fewer|less|stop|unsubscribe|opt (?:me )?out)\b")
# -ly words that are verbs, not adverbs to skip ("apply the change" is not "simply ...").
_LY_VERBS = words("apply reply supply rely comply multiply imply ally rally tally bully")
_LEXICON = lexicon()
# A clause asks when its first word, as written, is an auxiliary (the rarer "am", "shall"
# too), a wh-word or another opener of the rights rules ("had", "any", "isn't" ...).
_QUESTION_OPENERS = _LEXICON.rare_auxiliaries | _LEXICON.rights_question_openers
_OBJECT = r"\b(?:me|my|mine|his|her|their|it|our|everything|all|this|them)\b"

_HYPOTHETICAL = re.compile(
    r"^(?:(?:even )?if|suppose|supposing|hypothetically|imagine|assuming|in case|in theory|"
    r"theoretically|what if|let us say|say)\b"
)
_POLITE_IF = re.compile(
    r"^if (?:you (?:could|would|can|please|do not mind|are able)|possible|at all possible)\b"
)
_POLITE_YOU = re.compile(
    r"^(?:can|could|would|will) you (?:please |kindly |just |possibly )?(\w+)(?: (.*))?$"
)
_POLITE_MIND = re.compile(r"^would you mind \w+ing\b")
_POLITE_GET = re.compile(
    r"^(?:can|could|may) i (?:please )?(?:get|have|receive|obtain)\b.*"
    r"\b(?:my|me|everything|all|a copy)\b"
)
_POLITE_STATEMENT = re.compile(
    r"\bi (?:would|will|should) (?:really )?(?:appreciate it|be grateful|be thankful) if you\b"
    r"|\bi (?:was|am) wondering if you (?:could|would|can)\b"
)
# Unwanted contact that keeps coming. Asked as a question it must be about *me* receiving
# it or *you* repeating it: "do you still send newsletters?" is only a question.
_COMPLAINT_ASKED = (
    r"\b(?:keep|keeps|kept|continue to|continuing to|keep on)\b (?:\w+ ){0,2}?(?:getting|"
    r"receiving|sending|emailing|texting|calling|spamming|messaging|contacting)\b"
    r"|\bi (?:am )?still (?:\w+ )?(?:get|getting|receive|receiving|being sent)\b"
    rf"|\b(?:why|how come) (?:are|do|does|is) (?:you|you guys|{COMPANY}) still\b"
)
_COMPLAINT = (
    rf"{_COMPLAINT_ASKED}"
    r"|\bstill (?:email|text|call|send|spam|message|contact)(?:s|ing)? me\b"
)
_DESIRE = re.compile(
    r"\b(?:i|and|but|so) (?:really |just |would |do |still |now |also |only |hereby )?"
    r"(?:want|need|wish|would (?:also |really |just )?like|demand|request|require|insist|"
    r"expect|am asking|ask|am requesting|am writing to|would appreciate)\b(?: (.*))?$"
)
# What follows a desire verb when the user wants to learn, not to have something done.
_COGNITIVE = re.compile(
    r"^(?:you )?(?:to )?(?:know|understand|learn|find out|ask|check|clarify|make sure|be sure|"
    r"talk|read|review|confirm (?:whether|if)|see (?:if|whether|how|why)|more (?:information|"
    r"details)|some (?:information|details|advice|help)|information (?:about|on|regarding)|"
    r"details (?:about|on)|help|advice|an explanation|clarification|an answer)\b"
)
_PERFORMATIVE = re.compile(
    r"\bi (?:hereby |formally |now |also |do )?(?:withdraw|revoke|retract|rescind|object|opt out|"
    r"unsubscribe|request|demand|exercise|invoke|contest|dispute)\b"
    r"|\bi am (?:hereby |formally |now |also )?(?:withdrawing|revoking|retracting|objecting|"
    r"opting out|unsubscribing|requesting|exercising|invoking|making|submitting|filing|lodging|"
    r"sending|contesting|disputing)\b"
    r"|^(?:exercising|invoking|requesting)\b"
    r"|\bthis is (?:a|an|my) (?:formal |official )?(?:\w+ ){0,3}?request\b"
    r"|\b(?:treat|consider) (?:this|my (?:message|email|consent))\b"
    r"|^(?:formal |official )?(?:\w+ ){0,3}?request (?:for|to)\b"
    r"|\bdsar\b|\bno longer (?:consent|agree)\b|\bi do not (?:consent|agree)\b"
    r"|\bi (?:am |hereby |now )?(?:taking|take|pulling|pull) (?:\w+ ){0,2}?(?:consent|"
    r"permission|agreement) back\b"
    r"|\bi (?:do not|no longer) give (?:you )?(?:my )?(?:consent|permission)\b"
    r"|\bhereby\b|^pursuant to\b"
)
_CESSATION = (
    r"\bi (?:do not|no longer|never|really do not) (?:want|wish|need)"
    rf"(?: you| {COMPANY}| your company| anyone| you guys)? (?:to )?(?:have|keep|hold|store|use|"
    r"using|process|processing|receive|get|getting|be|being|hear|contact|contacting|email|"
    r"emailing|send|sending|profile|profiling|track|tracking|share|sharing|sell|selling)\b"
    r"|\bi (?:do not|no longer) want (?:any ?more|any|more) \w+"
)
_NO_MORE = re.compile(r"^no more\b|\b(?:enough|done) with (?:the|your|all) ")
_REPORT = re.compile(
    r"\b(?:is|are|was|were|has been|have been|looks|seems|appears)\b (?:\w+ ){0,2}?"
    r"(?:wrong|incorrect|inaccurate|misspel\w*|mistyped|out of date|outdated|"
    r"not (?:correct|right|accurate|up to date))\b"
    r"|\bha(?:s|ve) (?:a )?typos?\b"
    r"|\b(?:you have|you have got|your records? (?:have|has|show|shows|say|says|list|lists)|"
    r"it says|listed as|shown as)\b.{0,60}\bbut\b"
    r"|\b(?:have|has|shows?|lists?|says) my \w+(?: \w+)? as\b"
    r"|\b(?:got|have|has|listed|recorded|spelled|spelt|entered) (?:my |the )?\w+(?: \w+)? wrong\b"
    r"|\bshould (?:be|read|say)\b|\bthe (?:correct|right) \w+ is\b|\bit is now\b"
)
# "please <verb>" asks for an action whatever the verb ("please furnish me with a copy"),
# unless the verb asks for information or the word after "please" is not a verb at all.
_PLEASE_VERB = re.compile(r"\b(?:please|kindly) (?:\w+ly )?(\w+)")
_NOT_ACTIONS = words(
    """tell explain describe clarify show help advise confirm let note see read check find
    point define summarise summarize elaborate answer guide direct walk inform i you we my me
    the a an and it this that be is are do"""
)
_MINE = re.compile(r"\b(?:my|me|mine|i)\b")
# "if", "after", "as soon as" ... (templates/language.yaml), shared with ``recognition``.
SUBORDINATORS = _LEXICON.subordinator_regex
# A request verb inside a conditional or temporal clause is not performed: "even if I ask
# you to delete it, could you keep some?", "after I request deletion, do you ...".
_SUBORDINATE_END = re.compile(rf"\b{SUBORDINATORS}\s*$")
# A simple past reports what already happened ("after I unsubscribed"): a complaint beside
# it stands.
_PAST = (
    r"(?!(?:need|proceed|exceed|succeed)\b)"
    r"(?:\w+ed|did|had|was|were|went|got|sent|told|gave|made|took|withdrew|left|said|wrote|paid)\b"
)
# The user's own action, not yet done, in a conditional or temporal clause: "after I
# unsubscribe", "once I have opted out", "before deleting my account". A question around it
# asks what follows that action, not for anything to be done.
_OWN_ACTION = re.compile(
    rf"\b{SUBORDINATORS} (?:(?:i|we) (?:have|will have|(?:already |just )?(?!{_PAST})\w+)"
    r"|(?!\w*thing\b)\w+ing)\b"
)
# Where the question after such a clause starts when no comma marks it ("once i unsubscribe
# | will i still get emails"): at an auxiliary or a wh-word, but not a past or perfect one,
# nor "when" (another condition), "whom", "whose".
_NOT_AFTER_CONDITION = {"was", "were", "have", "has", "when", "whom", "whose"}
_ASKS_AFTER_CONDITION = (_LEXICON.auxiliaries | _LEXICON.rare_auxiliaries) - _NOT_AFTER_CONDITION
_QUESTION_AFTER_CONDITION = re.compile(
    rf"^{SUBORDINATORS} (?:i|we) .+? (?={phrase_regex(_ASKS_AFTER_CONDITION)} (?:i|you|we|they|"
    r"it|my|your|our|the|there|this|that|any|anything|everything|all)\b"
    rf"|{phrase_regex(_LEXICON.wh_words - _NOT_AFTER_CONDITION)} )"
)
# Asking whether contact *will* go on asks about a possibility, not that it stop.
_MODAL_QUESTION = re.compile(rf"^{phrase_regex(_LEXICON.modals)} ")
# "why do I still get emails (after I unsubscribe)?" takes for granted that they keep coming;
# "why would I still get emails?" does not ("why can I still ..." does).
_WHY_STILL = re.compile(
    rf"^(?:why|how come)\b(?! {phrase_regex(_LEXICON.modals - {'can', 'may', 'shall'})}\b)"
)
# A tag asking to confirm the statement before it ("you only email me if I agreed,
# correct?"): one word closing a question, or this idiom anywhere.
_TAG_IDIOM = "correct me if i am wrong"
# "I do not want to delete my account": the action is refused, so the clause asks nothing
# and must not lend its words to the rest of the sentence either.
# Not wanting a right's own outcome ("I do not want my account deleted", "... you to remove
# my reviews") is the same refusal.
_LOSSES = (
    r"delete|deleted|deleting|erase|erased|remove|removed|close|closed|cancel|cancell?ed|lose|"
    r"lost|wipe|wiped|deactivate|deactivated|suspend|suspended|terminate|terminated|ban|banned|"
    r"lock|locked|freeze|frozen|block|blocked|restrict|restricted|unsubscribe|unsubscribed|gone"
)
NEGATED = re.compile(
    r"\b(?:do not|does not|never|no longer|not) (?:want|wish|need|plan|intend|mean) to "
    r"(?:delete|close|remove|cancel|lose|leave|unsubscribe|object|withdraw|erase|quit)\b"
    r"|\b(?:do not|never|no longer) (?:want|wish) (?:(?!(?:and|so|but|just|then)\b)\w+ ){1,3}?"
    rf"(?:to (?:be )?)?(?:{_LOSSES})\b"
)
# Not wanting something done with my data objects to it: "I do not want algorithms deciding
# things about me", "... you to make automated decisions", "... my activity analysed". Which
# right that is, the words around it say (``cues``). Who would do it must be the company
# addressed or a machine (the policy's "automated decision-making"): another company named
# ("I don't want upwork using my data") is not asked anything.
_MACHINE = (
    r"(?:(?:an?|the|any|some|your) )?(?:automated |automatic )?(?:algorithms?|computers?|"
    r"machines?|software|ai|bots?|robots?|systems?|programs?)"
)
_AGENT = rf"(?:you|you guys|{COMPANY}|your company|anyone|anybody|{_MACHINE})"
_PARTICIPLE = (
    r"(?:(?!need\b)\w+ed|used|sold|shared|kept|held|fed|done|made|seen|shown|sent|read|taken|"
    r"given|known|stored)"
)
_UNWANTED = (
    r"\bi (?:really )?(?:do not|no longer|never|would not) (?:want|wish|like) "
    rf"(?:{_AGENT} (?:to (?!be\b)\w+|(?!\w*thing\b)\w+ing)"
    rf"|(?!to\b)(?:\w+ ){{1,3}}?(?:to be \w+|being \w+|{_PARTICIPLE}))\b"
    rf"|\bi (?:would|had) rather (?:you did not \w+|you not \w+|not have (?:{_AGENT} \w+|"
    rf"(?:\w+ ){{1,3}}?{_PARTICIPLE}))\b"
)


@dataclass(frozen=True)
class _Addressed:
    """The patterns that name the company a request is addressed to, for one brand."""

    fillers: frozenset[str]
    complaint_asked: re.Pattern[str]
    complaint: re.Pattern[str]
    cessation: re.Pattern[str]
    unwanted: re.Pattern[str]


@lru_cache(maxsize=8)
def _addressed(brand: Brand) -> _Addressed:
    def build(pattern: str) -> re.Pattern[str]:
        return re.compile(pattern.replace(COMPANY, brand.alias_regex))

    names = frozenset(word for alias in brand.aliases for word in alias.split())
    return _Addressed(
        _FILLERS | names,
        build(_COMPLAINT_ASKED),
        build(_COMPLAINT),
        build(_CESSATION),
        build(_UNWANTED),
    )


def _performed(pattern: re.Pattern[str], clause: str) -> re.Match[str] | None:
    """The first match of ``pattern`` not inside a conditional or temporal clause."""
    start = 0
    while (match := pattern.search(clause, start)) is not None:
        if not _SUBORDINATE_END.search(clause, 0, match.start()):
            return match
        start = match.start() + 1
    return None


def _strip_fillers(clause: str, fillers: frozenset[str]) -> str:
    """Drop greetings, politeness and adverbs ("please permanently delete" -> "delete")."""
    tokens = clause.split()
    while tokens:
        head = tokens[0].strip(",.!")
        adverb = head.endswith("ly") and len(head) > 4 and head not in _LY_VERBS
        if head not in fillers and not adverb:
            break
        tokens.pop(0)
    return " ".join(tokens)


def _complains(question: str, *, after_own_action: bool) -> bool:
    """Whether a question naming unwanted contact complains that it goes on, rather than
    asking whether it will ("will I still get emails?") or what follows the user's own
    action ("after I unsubscribe, do I still get emails?")."""
    if _WHY_STILL.match(question):
        return True
    return not after_own_action and not _MODAL_QUESTION.match(question)


def _types_for(verb: str, clause: str) -> frozenset[RequestType] | None:
    """What a request with ``verb`` can be: asking to be sent something ("send me promo
    texts") is any request but an opt-out, unless it asks for less."""
    return NOT_MARKETING if verb in _SENDING and not _LESS.search(clause) else None


def _question_act(clause: str, addressed: _Addressed, *, after_own_action: bool) -> Act | None:
    """Interrogative clauses: only polite requests and marketing complaints count."""
    polite = _POLITE_YOU.match(clause)
    if (
        polite
        and polite.group(1) in _ACTIONS
        and " if " not in f" {clause} "
        and re.search(_OBJECT, polite.group(2) or "")
    ):
        return Act("polite", 0.85, _types_for(polite.group(1), clause))
    if _POLITE_MIND.match(clause) or (_POLITE_GET.match(clause) and " if " not in clause):
        return Act("polite", 0.8)
    if addressed.complaint_asked.search(clause) and _complains(
        clause, after_own_action=after_own_action
    ):
        return Act("complaint", 0.7, MARKETING_ONLY)
    return None


def _statement_act(clause: str, *, about_me: bool, addressed: _Addressed) -> Act | None:
    """Declarative and imperative clauses, strongest reading first."""
    if NEGATED.search(clause):
        return None
    if _performed(_PERFORMATIVE, clause):
        return Act("performative", 0.95)
    first = clause.split(" ", 1)[0]
    if first in _ACTIONS or (first in {"do", "never"} and clause.startswith(("do not", "never"))):
        return Act("imperative", 0.9, _types_for(first, clause))
    please = _PLEASE_VERB.search(clause)  # "i am 14 please delete everything"
    if please and please.group(1) not in _NOT_ACTIONS:
        return Act("imperative", 0.85)
    if _POLITE_IF.match(clause) or _POLITE_STATEMENT.search(clause):
        return Act("polite", 0.85)
    if _performed(addressed.cessation, clause):
        return Act("cessation", 0.85)
    if _performed(addressed.unwanted, clause):
        return Act("unwanted", 0.8)
    desire = _performed(_DESIRE, clause)
    if desire and not _COGNITIVE.match(desire.group(1) or ""):
        return Act("desire", 0.9)
    if _NO_MORE.search(clause):
        return Act("no_more", 0.8, MARKETING_ONLY)
    if addressed.complaint.search(clause):
        return Act("complaint", 0.75, MARKETING_ONLY)
    if _REPORT.search(clause) and about_me:
        return Act("report", 0.75, RECTIFICATION_ONLY)
    return None


def clause_act(
    clause: str,
    *,
    about_me: bool = True,
    brand: Brand | None = None,
    after_own_action: bool = False,
) -> Act | None:
    """The request act a single normalised clause performs, if any. ``about_me`` says
    whether the sentence concerns the user ("my name ..., it should be John"); ``brand``
    is the company addressed (the configured policy's if None); ``after_own_action`` that
    the sentence names the user's own action in a conditional or temporal clause."""
    addressed = _addressed(or_configured(brand))
    clause = _strip_fillers(clause.strip(), addressed.fillers)
    if _OWN_ACTION.match(clause):
        # "once i unsubscribe will i ...": the question after the condition is what asks;
        # without one the clause states a fact ("when i log in i still get pop-ups").
        condition = _QUESTION_AFTER_CONDITION.match(clause)
        clause = clause[condition.end() :] if condition else clause
        after_own_action = condition is not None
    if not clause:
        return None
    if _opens_question(clause):
        return _question_act(clause, addressed, after_own_action=after_own_action)
    return _statement_act(clause, about_me=about_me, addressed=addressed)


def sentence_acts(sentence: Sentence, brand: Brand | None = None) -> list[tuple[str, Act]]:
    """(clause, act) for every request-performing clause of one sentence."""
    brand = or_configured(brand)
    opening = _strip_fillers(sentence.text, _addressed(brand).fillers)
    if _HYPOTHETICAL.match(opening) and not _POLITE_IF.match(opening):
        return []
    found = []
    about_me = _MINE.search(sentence.text) is not None
    own_action = _OWN_ACTION.search(sentence.text) is not None
    for clause in sentence.clauses:
        if _is_tag(clause, sentence):
            continue
        act = clause_act(clause, about_me=about_me, brand=brand, after_own_action=own_action)
        if act is not None:
            found.append((clause, act))
    return found


def _is_tag(clause: str, sentence: Sentence) -> bool:
    """A tag asking to confirm what the sentence states, not a request of its own."""
    text = clause.strip()
    if text == _TAG_IDIOM:
        return True
    closing = len(sentence.clauses) > 1 and clause == sentence.clauses[-1]
    return sentence.asks and closing and " " not in text


def _opens_question(clause: str) -> bool:
    """The clause's first word, as written, opens a question; "do not ..." is an order."""
    return opens_like_question(clause, as_written=True, also=_QUESTION_OPENERS, do_not_orders=True)


def is_question(norm: str, brand: Brand | None = None) -> bool:
    """A message that asks something (used by the flow to spot side questions): it ends in
    "?" or opens like a question, or an earlier sentence is a question ("ok unrelated but
    is my data sent to the US? im in spain" was read as a failed answer to the email
    question, blind batch 18); "my last name? its spelled smith" still answers one."""
    fillers = _addressed(or_configured(brand)).fillers
    text = _strip_fillers(strip_label(norm.strip()), fillers)
    if text.endswith("?") or _opens_question(text):
        return True
    table = lexicon()
    asking = table.auxiliaries | table.wh_words
    return any(
        s.endswith("?") and asking & set(word_tokens(s)) for s in question_sentences(text)[:-1]
    )
