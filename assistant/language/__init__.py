"""The language layer: a message is read once per turn into one typed `Reading`.

Retrieval, answering, rights recognition and conversation all read the same tokens,
stems, stopwords, chat-speak, typo repairs and expanded query from here; the word lists
are data (``templates/language.yaml``, ``templates/query_expansion.yaml``).
"""

from assistant.language.expansion import (
    Concept,
    ExpandedQuery,
    ExpansionRules,
    load_expansion,
    phrase_in,
)
from assistant.language.lexicon import (
    FollowupWords,
    Lexicon,
    followup_words,
    lexicon,
    phrase_regex,
)
from assistant.language.questions import opens_like_question
from assistant.language.reading import Reader, Reading, default_reader, read, shared_reader
from assistant.language.spelling import Speller
from assistant.language.tokens import (
    EMAIL_RE,
    MAX_SCAN_CHARS,
    WORD_RE,
    clean,
    content_words,
    expand_abbreviations,
    focus_sentence,
    main_clause,
    negative_form,
    question_sentences,
    stem,
    stems,
    strip_label,
    words,
)

__all__ = [
    "EMAIL_RE",
    "MAX_SCAN_CHARS",
    "WORD_RE",
    "Concept",
    "ExpandedQuery",
    "ExpansionRules",
    "FollowupWords",
    "Lexicon",
    "Reader",
    "Reading",
    "Speller",
    "clean",
    "content_words",
    "default_reader",
    "expand_abbreviations",
    "focus_sentence",
    "followup_words",
    "lexicon",
    "load_expansion",
    "main_clause",
    "negative_form",
    "opens_like_question",
    "phrase_in",
    "phrase_regex",
    "question_sentences",
    "read",
    "shared_reader",
    "stem",
    "stems",
    "strip_label",
    "words",
]
