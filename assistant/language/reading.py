"""A message read once: the typed object every later step reads.

``Reader.read`` is cached per text, so the retriever, the answer generator, the rights
recogniser and the conversation code can each ask for a message's reading (or keep
taking a string) and the message is still parsed once per turn. Readers are shared per
vocabulary: every reader built for one policy is the same object, with one cache.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from assistant.language.expansion import ExpandedQuery, Expander, ExpansionRules, load_expansion
from assistant.language.lexicon import Lexicon, lexicon
from assistant.language.rewrite import Rewriter
from assistant.language.spelling import Speller
from assistant.language.tokens import clean, content_words, question_sentences, stem, words

_ALPHA_WORD = re.compile(r"\b[a-z]+\b")
MAX_READINGS = 4096  # per reader


@dataclass(frozen=True)
class Reading:
    """One message, read once."""

    raw: str  # as received
    text: str  # safe to scan: bounded, printable, NFKC, straight quotes
    spelled: str  # as received with chat-speak spelled out (case and punctuation kept)
    normal: str  # lower-case; contractions, chat-speak and typos spelled out; punctuation kept
    tokens: tuple[str, ...]  # the words of ``normal``
    stems: tuple[str, ...]  # one per token
    content: tuple[str, ...]  # tokens that carry a topic (no stopwords or scaffolding)
    sentences: tuple[str, ...]  # sentences of ``text`` with words in them
    fixes: tuple[tuple[str, str], ...]  # (typo, repair) pairs applied to ``normal``
    query: ExpandedQuery  # the retrieval query: terms, concept expansion, phrases

    @property
    def asks(self) -> bool:
        """Whether the message has a question mark."""
        return "?" in self.text


class Reader:
    """Reads messages with one lexicon, one speller and one set of expansion concepts."""

    def __init__(
        self,
        vocabulary: Iterable[str] = (),
        rules: ExpansionRules | None = None,
        lex: Lexicon | None = None,
    ) -> None:
        self.lexicon = lex or lexicon()
        self.rules = rules or load_expansion()
        own = set(vocabulary)
        vocab = own | self.rules.trigger_words() | self.lexicon.stopwords
        self.vocabulary = sorted(own | self.rules.trigger_words())
        # Without a policy there is no vocabulary to repair towards, only keywords: the
        # trigger words alone turned "accurate" into "inaccurate" and "spelling" into
        # "selling" for the rights rules. They are still known words, never "repaired".
        targets, known = (vocab, frozenset()) if own else (frozenset(), vocab)
        self.speller = Speller.build(self.lexicon.keywords, targets, self.lexicon.not_typos | known)
        self.rewriter = Rewriter.build(self.lexicon)
        self.expander = Expander.build(self.rules)
        self.read = lru_cache(maxsize=MAX_READINGS)(self._read)

    def _read(self, raw: str) -> Reading:
        text = clean(raw)
        rewritten = self.rewriter.normal(text.lower())
        fixes: dict[str, str] = {}

        def repair(match: re.Match[str]) -> str:
            word = match.group(0)
            fixed = self.speller.repair(word)
            if fixed != word:
                fixes[word] = fixed
            return fixed

        normal = re.sub(r"[ \t]+", " ", _ALPHA_WORD.sub(repair, rewritten))
        tokens = words(normal)
        stems = stem(tokens)
        return Reading(
            raw=raw,
            text=text,
            spelled=self.rewriter.spell_out_chat(raw),
            normal=normal,
            tokens=tuple(tokens),
            stems=tuple(stems),
            content=tuple(content_words(normal)),
            sentences=tuple(question_sentences(text)),
            fixes=tuple(fixes.items()),
            query=self.expander.expand(tokens, stems),
        )


def vocabulary_key(vocabulary: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(set(vocabulary))).encode()).hexdigest()


_SHARED: dict[str, Reader] = {}
MAX_SHARED_READERS = 16  # one per live policy version; old versions age out


def shared_reader(vocabulary: Iterable[str], rules: ExpansionRules | None = None) -> Reader:
    """The reader for this vocabulary (and the shipped rules), built once per process."""
    vocab = set(vocabulary)
    if rules is not None and rules != load_expansion():
        return Reader(vocab, rules)
    key = vocabulary_key(vocab)
    reader = _SHARED.get(key)
    if reader is None:
        if len(_SHARED) >= MAX_SHARED_READERS:
            _SHARED.pop(next(iter(_SHARED)))
        reader = _SHARED[key] = Reader(vocab)
    return reader


@cache
def default_reader() -> Reader:
    """Reads without a policy: typos are repaired towards the lexicon's keywords and the
    expansion vocabulary only (rights recognition, conversation)."""
    return Reader()


def read(text: str) -> Reading:
    """A message read by the default reader (cached)."""
    return default_reader().read(text)
