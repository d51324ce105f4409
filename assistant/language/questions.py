"""Whether a sentence opens like a question, "?" or not ("and is it kept there", "what do
you sell"): one reader for the conversation, the rights rules and the agent's drafts.

The words are the lexicon's (``templates/language.yaml``): ``auxiliaries`` and
``wh_words``. Where the readers differ, the difference is an option of
`opens_like_question`, not a word list of their own.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.language.lexicon import lexicon, phrase_regex
from assistant.language.tokens import words

NONE: frozenset[str] = frozenset()


def opens_like_question(
    text: str,
    *,
    as_written: bool = False,
    also: frozenset[str] = NONE,
    without: frozenset[str] = NONE,
    do_not_orders: bool = False,
    skip: frozenset[str] = NONE,
    subjects: str | None = None,
) -> bool:
    """Whether ``text`` opens with an auxiliary ("is it kept ...") or a wh-word ("what do
    you ..."). By default the first word is read as `words` reads it, case and punctuation
    ignored: "(Is" and "isn't" both read "is" (the chat's reading). The options:

    - ``as_written``: the first token up to a space, exactly: "isn't" and "what," are not
      "is" and "what" (the rights rules, which read the normal form);
    - ``also``, ``without``: words this reader adds to the lexicon's, or leaves out;
    - ``do_not_orders``: "do not ..." is an order, not a question;
    - ``skip``: words dropped first, any number, each followed by commas or spaces ("ok,
      so what ..."), case ignored;
    - ``subjects``: a regex group; an auxiliary opens a question only before one of these
      ("do you ...", not "have a nice day"), case ignored, and a wh-word need only start
      the text, so "however, ..." opens one too (the agent drafts' reading, kept as is);
      ``as_written``, ``also`` and ``do_not_orders`` do not apply then.
    """
    if skip:
        text = _skip_re(skip).sub("", text, count=1)
    if subjects is not None:
        return _subject_re(subjects, without).match(text) is not None
    if do_not_orders and text.startswith("do not"):
        return False
    table = lexicon()
    first = text.split(" ", 1)[0] if as_written else next(iter(words(text)), "")
    return first in (table.auxiliaries | table.wh_words | also) - without


@lru_cache(maxsize=8)
def _skip_re(skip: frozenset[str]) -> re.Pattern[str]:
    return re.compile(rf"^(?:{phrase_regex(skip)}[, ]+)*", re.IGNORECASE)


@lru_cache(maxsize=8)
def _subject_re(subjects: str, without: frozenset[str]) -> re.Pattern[str]:
    table = lexicon()
    wh = phrase_regex(table.wh_words - without)
    auxiliary = phrase_regex(table.auxiliaries - without)
    return re.compile(rf"^(?:{wh}|{auxiliary} {subjects}\b)", re.IGNORECASE)
