"""Topic cues: which right a request is about, as weighted phrases over normalised text.

Weights are rough log-odds: 4 names the right outright ("right to be forgotten",
"portability"), 2.5-3 is a strong verb/object pair ("delete", "mailing list"), 1-1.5 is
supporting evidence that only matters in combination ("emails", "wrong"). The
precedence rules that no weight can express live in ``recognition``.

Patterns name the company and other platforms through ``COMPANY`` and ``PLATFORMS``,
filled in from the brand (``assistant.brand``) once per brand, never per message.

Every pattern is linear-time: bounded gaps (``.{0,60}``, ``(?:\\w+ ){0,3}``), no nested
unbounded repetition.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from assistant.brand import Brand, or_configured
from assistant.rights.acts import COMPANY
from assistant.tickets import RequestType as T

PLATFORMS = "<platforms>"  # other freelance marketplaces (templates/brand.yaml)

# Personal-data fields a user may ask to correct, longest first so "last name" wins over "name".
FIELD = (
    r"(?:first name|last name|family name|given name|middle name|full name|display name|"
    r"surname|e-?mail address|email|phone number|mobile number|telephone number|phone|"
    r"mobile|home address|billing address|postal address|address|date of birth|birth date|"
    r"birthday|dob|job title|company name|business name|company|title|gender|nationality|"
    r"country|city|postcode|post code|zip code|tax id|vat number|spelling|name|details|"
    r"records?|information|data)"
)

_UNSUBSCRIBE = r"\bunsubscrib\w*"
_MARKETING_WORDS = (
    r"\b(?:newsletters?|mailing list|marketing|promos?|promotional|promotions?|offers|spam|"
    r"spamming|adverts?|ads|advertising|advertisements|deals|discounts|coupons|"
    r"junk mail|sales calls|cold calls)\b"
)
_MARKETING_NAMED = re.compile(f"{_UNSUBSCRIBE}|{_MARKETING_WORDS}")
# Contact the policy keeps apart from marketing ("Administrative communication: Sending
# administrative information about the Service"): complaining of it asks for no opt-out,
# nor earns an offer of one ("why do i keep getting these admin emails about the service,
# what are they for", blind batch 11, started the marketing opt-out flow).
_SERVICE_CONTACT = re.compile(
    r"\b(?:admin|administrative|account|security|service|transactional|billing|order)"
    r" (?:e-?mails?|messages?|notifications?|notices?|texts?|updates?)\b"
)

_WRONG = (
    r"(?:wrong|incorrect|inaccurate|misspel\w*|mistyped|out of date|outdated|"
    r"not (?:correct|right|accurate|up to date))"
)

_CUES: dict[T, tuple[tuple[str, float], ...]] = {
    T.ACCESS: (
        (r"\bsubject access\b|\bdsar\b|\bsar\b|\bright (?:of|to) access\b|\barticle 15\b", 4),
        (r"\bcop(?:y|ies) of (?:all|everything|the|my|your|any)\b", 2.5),
        (r"\b(?:send|give|email) me the (?:full |complete |whole )?(?:list|file|report)\b", 1.5),
        (r"\b(?:what|which) (?:\w+ ){0,2}?(?:data|information|details) of mine\b", 1.5),
        (
            r"\b(?:record|list|summary|overview|report|printout|statement) of (?:all )?(?:of )?"
            r"(?:the |my )?(?:personal )?(?:data|information|details|records)\b",
            2.5,
        ),
        (
            r"\baccess (?:to )?(?:all )?(?:of )?(?:my|the) (?:personal )?"
            r"(?:data|information|records|details)",
            3,
        ),
        (r"\baccess request\b|\brequest(?:ing)? access\b", 2.5),
        # "everything you have on me" names the object, not the action: it is just as
        # likely after "wipe" or "export", so it only tips the balance.
        (
            r"\b(?:data|information|records|details|everything|stuff) (?:that )?(?:you|you guys|"
            rf"{COMPANY}|your company|you all) (?:have|has|hold|holds|keep|keeps|store|stored|"
            r"collected|process|processes|processed)\b",
            1,
        ),
        (
            r"\b(?:have|has|hold|holds|keep|keeps|store|stores|stored|collect|collects|collected|"
            r"gathered|process|processes|processed|know|knows) (?:\w+ )?(?:on|about) me\b",
            1,
        ),
        (r"\b(?:dossier|file|profile|records?) (?:on|about) me\b|\bview my data\b", 1.5),
        (
            rf"\bwhat (?:personal )?(?:data|information|details) (?:you|{COMPANY}) (?:have|hold|"
            r"keep|store|process)",
            1.5,
        ),
        (r"\bsee (?:all )?(?:of )?(?:my|the|what) (?:personal )?(?:data|information|records)", 2),
        (
            r"\b(?:send|give|provide|email|show) me (?:with )?(?:all|everything|my|a copy|"
            r"the (?:data|information|records))\b",
            1.5,
        ),
        (r"\b(?:provide|send|give me) (?:all |the )?(?:records|data|information)\b", 1),
    ),
    T.PORTABILITY: (
        (r"\bportab(?:le|ility)\b|\bmachine[- ]readable\b|\barticle 20\b", 4),
        (r"\b(?:export|download)\b", 2.5),
        (r"\b(?:csv|json|xml|structured format|structured|zip|zip file|data dump|archive)\b", 2),
        (
            r"\b(?:transfer|mov|tak|port|migrat|bring|switch|upload|import)\w*\b.{0,60}\b"
            r"(?:to|with me to) (?:another|other|a different|a new|different|new|a competitor|"
            rf"my new|{PLATFORMS})\b",
            3,
        ),
        (r"\b(?:competitor|another (?:platform|provider|service|site|company))\b", 1),
        # Moving one's own data somewhere is portability, whoever the destination is.
        (
            r"\b(?:transfer|move|port|migrate)\w* (?:all )?(?:of )?my (?:\w+ ){0,4}?(?:data|"
            r"information|reviews|profile|portfolio|history)\b"
            rf"|\b{PLATFORMS}\b",
            2,
        ),
    ),
    T.RECTIFICATION: (
        (r"\brectif\w*|\barticle 16\b", 4),
        (
            r"\bmisspel\w*|\bspel(?:led|t) (?:wrong|wrongly|incorrectly)|\btypos?\b|\bmistyped\b|"
            r"\bspelling\b",
            3,
        ),
        (r"\bis spel(?:led|t)\b", 2),
        (r"\b(?:change|update|correct|fix|amend|set)\w* (?:it|that|this) (?:to|into)\b", 2.5),
        (
            rf"\b(?:correct|fix|update|change|amend|edit)\w* (?:the |my |our )?"
            rf"(?:spelling of (?:my )?)?{FIELD}\b",
            3,
        ),
        (rf"\b{FIELD}\b (?:\w+ ){{0,3}}?(?:corrected|fixed|updated|changed|amended)\b", 2.5),
        (
            rf"\b{FIELD}\b.{{0,40}}?\b(?:is|are|was|has been|have been)\b (?:\w+ ){{0,2}}?{_WRONG}",
            3,
        ),
        (rf"\b(?:have|has|shows?|lists?|says) my {FIELD} as\b", 2.5),
        (
            rf"\b(?:got|have|has|listed|recorded|spelled|spelt|entered) (?:my |the )?{FIELD} "
            r"(?:\w+ )?wrong\b",
            3,
        ),
        (r"\b(?:wrong|incorrect|inaccurate|out of date|outdated|mistake|error)\b", 1.5),
        (
            r"\bshould (?:be|read|say)\b|\bthe (?:correct|right) \w+ is\b"
            r"|\bit is (?:now|actually)\b|\binstead of\b",
            1.5,
        ),
    ),
    T.ERASURE: (
        (r"\bright to (?:be forgotten|erasure)|\bforget me\b|\bbe forgotten\b|\barticle 17\b", 4),
        (
            r"\b(?:delete|deleted|deleting|deletion|erase|erased|erasing|erasure|wipe|wiped|purge|"
            r"purged|destroy|scrub|get rid of|nuke|trash|obliterate|unregister|deregister)\b",
            3,
        ),
        (r"\b(?:remove|removed|removing|removal|taken down|take down)\b", 2.5),
        (
            r"\b(?:close|closed|deactivate|terminate|cancel) (?:my |the |his |her )?"
            r"(?:account|profile)",
            2.5,
        ),
        (
            rf"\b(?:no longer|do not|never) want (?:you|{COMPANY}|your company|anyone) to "
            r"(?:have|keep|hold|store)\b",
            3,
        ),
        (r"\b(?:account|profile|data) (?:\w+ ){0,2}gone\b|\bevery trace\b|\bwant out\b", 2),
        (
            r"\b(?:bin|scrap|ditch|kill|shut down|clear) (?:my |the |all my )?(?:account|profile|"
            r"data|information)\b",
            2.5,
        ),
    ),
    T.RESTRICTION: (
        (r"\brestrict\w*|\barticle 18\b", 3.5),
        (
            r"\b(?:limit|freeze|pause|suspend|halt|block|hold off)\w* (?:\w+ ){0,3}?"
            r"(?:processing|process|use|using|my data|my information)\b",
            3,
        ),
        (r"\b(?:freeze|pause|suspend) my (?:data|information|account)\b", 3),
        (r"\b(?:put|place) (?:a )?hold on\b|\bon hold\b", 3),
        (
            r"\b(?:stop|cease|halt|hold off|do not|never|not) (?:\w+ ){0,2}?"
            r"(?:process|processing|use|using)\b.{0,80}\b"
            r"(?:until|while|pending|in the meantime|meanwhile)\b",
            3.5,
        ),
        (
            r"\b(?:until|while|pending)\b.{0,80}\b(?:stop|cease|do not|not) (?:\w+ ){0,2}?"
            r"(?:process|processing|use|using)\b",
            3.5,
        ),
        (r"\buntil you (?:fix|correct|sort|resolve|check|verify|update|investigate)\w*", 1.5),
        (
            r"\bcontest\w* (?:the )?accuracy|\baccuracy (?:is )?(?:contested|disputed)|"
            r"\bin the meantime\b|\bmeanwhile\b",
            1.5,
        ),
    ),
    T.OBJECTION: (
        (r"\bobject(?:ion|ing|s)?\b|\barticle 21\b", 3),
        (r"\bprofiling\b|\bprofiled\b|\bprofile me\b", 3),
        (
            r"\bautomat\w* (?:decision|decisions|decision-making|processing)\b"
            r"|\bautomat\w*\b.{0,40}\bdecisions?\b|\balgorithm\w*",
            3,
        ),
        # Automated decision-making in plain words: a machine deciding or judging.
        (
            r"\b(?:ai|artificial intelligence|machines?|computers?|software|bots?|robots?|"
            r"automated systems?)\b (?:\w+ ){0,3}?(?:decid\w*|decisions?|judg\w*|rank\w*|scor\w*|"
            r"assess\w*|evaluat\w*|screen\w*|reject\w*|filter\w*)\b"
            r"|\bdecisions?\b.{0,40}\b(?:automat\w*|by (?:a |an )?"
            r"(?:computer|machine|software|ai))\b",
            3,
        ),
        (r"\b(?:build\w*|creat\w*|mak\w*|keep\w*) (?:a |any )?profiles? (?:of|on|about) me\b", 3),
        (r"\blegitimate interests?\b", 3),
        (r"\bpersonali[sz](?:ation|ed|e)\b", 1.5),
        (
            r"\b(?:analy[sz]\w*|track\w*|monitor\w*) (?:\w+ ){0,2}?(?:me|my (?:behaviour|behavior|"
            r"activity|usage))\b"
            r"|\bmy (?:behaviou?r|activity|usage|habits|browsing|clicks)\b (?:\w+ ){0,2}?"
            r"(?:analy[sz]\w*|track\w*|monitor\w*)",
            2,
        ),
        (
            r"\b(?:stop|cease|do not|never) (?:\w+ ){0,2}?(?:process|processing|using) (?:my|me)\b",
            1.5,
        ),
        (
            r"\bmy (?:data|information) (?:being )?used for\b|\busing my (?:data|information|"
            r"activity) (?:for|to)\b",
            1,
        ),
    ),
    T.MARKETING_OPT_OUT: (
        (_UNSUBSCRIBE, 4),
        (_MARKETING_WORDS, 2.5),
        (r"\btake me off\b|\bremove me from\b|\bmailing list\b", 3),
        (
            r"\b(?:stop|quit|cease|no more|do not|never) (?:\w+ )?(?:emailing|texting|calling|"
            r"messaging|contacting|spamming|sending me|emails?|texts?|calls?|messages?|contact|"
            r"spam)\b",
            2.5,
        ),
        (
            r"\b(?:still|keep|keeps|kept) (?:\w+ ){0,2}?(?:get|getting|receive|receiving|sending|"
            r"emailing|texting|calling|spamming)\b",
            2,
        ),
        (r"\bopt(?:ed|ing)? (?:me )?out\b|\bopt-out\b", 1),
        (r"\b(?:emails|texts|sms|calls|messages|mail)\b", 1),
    ),
    T.CONSENT_WITHDRAWAL: (
        (
            r"\b(?:withdraw\w*|revok\w*|retract\w*|rescind\w*|pull\w*|cancel\w*|take back|"
            r"taking back)\b "
            r"(?:\w+ ){0,4}?(?:consents?|permissions?)\b",
            5,
        ),
        (
            r"\b(?:consents?|permissions?)\b (?:\w+ ){0,3}?"
            r"(?:withdrawn|revoked|retracted|rescinded|back)\b",
            5,
        ),
        (
            r"\bno longer (?:consent|agree|give (?:my )?(?:consent|permission))\b|"
            r"\bdo not consent\b",
            4.5,
        ),
        (
            r"\b(?:take|taking|took|pull|pulling) (?:\w+ ){0,3}?(?:consent|permission) back\b"
            r"|\b(?:do not|no longer) give (?:you )?(?:my )?(?:consents?|permissions?)\b",
            5,
        ),
        (r"\bconsent\b", 1),
    ),
}


@lru_cache(maxsize=8)
def _compiled(brand: Brand) -> dict[T, tuple[tuple[re.Pattern[str], float], ...]]:
    def build(pattern: str) -> re.Pattern[str]:
        named = pattern.replace(COMPANY, brand.alias_regex)
        return re.compile(named.replace(PLATFORMS, brand.platform_regex))

    return {
        kind: tuple((build(pattern), weight) for pattern, weight in cues)
        for kind, cues in _CUES.items()
    }


# Someone under 18 is the subject. Nouns alone ("my son") count: a parent writing about
# a child's account on an 18+ site is the case the Children section asks them to report.
_CHILD = re.compile(
    r"\b(?:my|our|a|the|his|her|their) (?:[\w-]+ ){0,3}?(?:son|daughter|kid|kids|child|children|"
    r"teen|teenager|boy|girl|nephew|niece|grandson|granddaughter|stepson|stepdaughter|minor|"
    r"underage)\b"
    r"|\b(?:[1-9]|1[0-7])[- ]?years?[- ]?old\b"
    r"|\bi am (?:only |just )?(?:[1-9]|1[0-7])\b(?! (?:minutes|hours|days|weeks|months|percent))"
    r"|\bunder ?(?:18|age)\b|\bunder-age\b|\bunderage\b"
)


def topic_scores(norm: str, brand: Brand | None = None) -> dict[T, float]:
    """Sum of cue weights per request type found in ``norm`` (each cue counted once);
    ``brand``: the company addressed (the configured policy's if None)."""
    scores: dict[T, float] = defaultdict(float)
    for kind, cues in _compiled(or_configured(brand)).items():
        for pattern, weight in cues:
            if pattern.search(norm):
                scores[kind] += weight
    if _SERVICE_CONTACT.search(norm) and not _MARKETING_NAMED.search(norm):
        scores.pop(T.MARKETING_OPT_OUT, None)
    return scores


def mentions_child(norm: str) -> bool:
    return _CHILD.search(norm) is not None


# A parent asking how to get their child's things deleted ("my son is 14 and made an
# account ... how do I get his stuff deleted??"). Asked as a question, it is still the
# request the Children section asks parents to make, but only with a child *under 18*
# named (an age, "minor", "underage"), never for "his"/"her" alone.
_UNDER_18 = re.compile(
    r"\b(?:son|daughter|kid|child|boy|girl|teen|teenager|stepson|stepdaughter)\b"
    r"(?:\W+\w+){0,6}?\W+(?:(?:is|was|he is|she is|they are|aged?|turned|just turned)\s+)?"
    r"(?:only\s+|just\s+)?(?:[1-9]|1[0-7])\b(?!\s*(?:minutes|hours|days|weeks|months|percent|%))"
    r"|\b(?:[1-9]|1[0-7])[- ]?years?[- ]?old\b"
    r"|\b(?:a|is a|still a) minor\b|\bunder ?(?:18|age)\b|\bunder-age\b|\bunderage\b"
)
_CHILD_THINGS = (
    r"(?:his|her|their|the child's|the kid's|my (?:son|daughter|kid|child|boy|girl)'?s?)"
    r" (?:\w+ )?(?:account|accounts|profile|stuff|data|information|details|things|everything|"
    r"messages|photos|posts)"
)
_GET_DELETED = re.compile(
    rf"\b(?:get|have|make|request|see|ask for)\b (?:\w+ ){{0,2}}?{_CHILD_THINGS}\b"
    r"(?: \w+){0,3}? (?:deleted|removed|erased|closed|taken down|wiped|gone|shut down)\b"
    rf"|\b(?:delete|remove|erase|close|take down|wipe|get rid of|shut down)\b {_CHILD_THINGS}\b"
    rf"|\b{_CHILD_THINGS}\b(?: \w+){{0,3}}? (?:deleted|removed|erased|closed|taken down|wiped)\b"
)


def parent_asks_deletion(norm: str) -> bool:
    """A named child under 18 and a wish to have their account or data deleted."""
    return _UNDER_18.search(norm) is not None and _GET_DELETED.search(norm) is not None
