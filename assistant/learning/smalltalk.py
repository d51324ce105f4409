"""The small-talk classifier at answer time: features of the message's own characters
and words, a linear softmax over them, and a calibrated threshold.

Features never touch the embedder, so the decision is the same under MiniLM and the
hashing embedder of the tests. Character n-grams of each word carry typos and stretched
letters ("thnks", "byeee") to the words they resemble; word n-grams with start and end
marks carry the shape of the message ("why ?" is no "hi !"); how much of the message the
model has never seen carries content ("hi, do you sell my data?"). Trained by
``assistant.learning.smalltalk_training`` (``make models``), card beside the weights.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from assistant.language import lexicon

SMALLTALK_PATH = Path(__file__).parent / "models" / "smalltalk.json"
NOT_SMALL_TALK = "none"
CHAR_NGRAMS = (2, 3, 4)
_TOKENS = re.compile(r"\w+|\S")  # words, and every other visible character on its own
WEIGHT_SCALE = 10_000  # weights are stored to four decimals
_LENGTH_BUCKETS = (1, 2, 3, 4, 6, 9, 14)  # words; the last bucket is open-ended
WH_WORDS = lexicon().wh_words


def _normalised(message: str) -> str:
    text = unicodedata.normalize("NFKC", message).lower()
    return re.sub(r"['’`]", "", text)  # "you're" and "youre" read alike


def _symbol(token: str) -> bool:
    return len(token) == 1 and unicodedata.category(token).startswith("S")


def _tokens(message: str) -> list[str]:
    return _TOKENS.findall(_normalised(message))


def _words(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t[0].isalnum() or t[0] == "_"]


def message_words(message: str) -> list[str]:
    return _words(_tokens(message))


def message_features(message: str) -> dict[str, Counter[str]]:
    """The message's features by group: words and word pairs, character n-grams within
    words, its length. Each group is normalised on its own (see ``vectorise``)."""
    return _features(_tokens(message))


def _features(tokens: list[str]) -> dict[str, Counter[str]]:
    words = _words(tokens)
    marked = ["<s>", *("<sym>" if _symbol(t) else t for t in tokens), "</s>"]
    lexical: Counter[str] = Counter(f"w:{t}" for t in tokens)
    lexical.update(f"b:{a} {b}" for a, b in pairwise(marked))
    chars: Counter[str] = Counter()
    for word in words:
        padded = f" {word} "
        for n in CHAR_NGRAMS:
            chars.update(f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1))
    bucket = next((b for b in _LENGTH_BUCKETS if len(words) <= b), "more")
    length = Counter({f"len:{bucket}": 1, "len:any_symbol": int(any(map(_symbol, tokens)))})
    # One question-word input for all of them: a short "which ones" shares its
    # character n-grams with "hi" and "done", and each wh-word alone is rare in small talk.
    length["len:wh"] = int(any(w in WH_WORDS for w in words))
    return {"lexical": lexical, "chars": chars, "length": length}


def vectorise(message: str, known: dict[str, int], domain: frozenset[str]) -> dict[str, float]:
    """The sparse feature vector: each group scaled to unit length over all its
    features, seen or not, so the share a message's unseen words take is felt; plus that
    unseen share itself, and the share of its words that are policy words ("ccpa",
    "retention": a topic however short the message)."""
    tokens = _tokens(message)  # read once for both the words and the features
    words = _words(tokens)
    on_topic = sum(w in domain for w in words)
    vector = {"domain:share": on_topic / max(len(words), 1), "domain:any": float(on_topic > 0)}
    for group, counts in _features(tokens).items():
        norm = math.sqrt(sum(v * v for v in counts.values())) or 1.0
        unseen = 0.0
        for name, count in counts.items():
            if name in known:
                vector[name] = count / norm
            else:
                unseen += (count / norm) ** 2
        if group != "length":
            vector[f"unseen:{group}"] = unseen
    return vector


@dataclass(frozen=True)
class SmalltalkModel:
    classes: tuple[str, ...]  # NOT_SMALL_TALK first, then the ChitchatKind values
    features: dict[str, int]  # name -> row of ``weights``
    weights: tuple[tuple[float, ...], ...]  # one row per feature, one column per class
    bias: tuple[float, ...]
    threshold: float  # least probability of small talk (any kind) to answer as small talk
    domain: frozenset[str]  # words of privacy policies that are no stopwords
    # From here up to ``threshold`` a message is small talk only when the policy has
    # nothing to say about it (the session decides, after answering); the default: none.
    possible_threshold: float | None = None

    @classmethod
    def from_json(cls, data: dict[str, object]) -> SmalltalkModel:
        keys = ("classes", "features", "weights", "bias", "domain")
        classes, names, weights, bias, domain = (data[k] for k in keys)
        assert isinstance(classes, list) and isinstance(names, list) and isinstance(domain, list)
        assert isinstance(weights, list) and isinstance(bias, list)
        scale = data["weight_scale"]
        assert isinstance(scale, int) and scale > 0
        rows = tuple(tuple(v / scale for v in row) for row in weights)
        if len(rows) != len(names) or any(len(r) != len(classes) for r in rows):
            raise ValueError("small-talk model file: features, weights and classes disagree")
        if classes[0] != NOT_SMALL_TALK or len(bias) != len(classes):
            raise ValueError("small-talk model file: classes or bias malformed")
        threshold, possible = data["threshold"], data.get("possible_threshold")
        assert isinstance(threshold, float | int)
        assert possible is None or isinstance(possible, float | int)
        return cls(
            tuple(str(c) for c in classes),
            {str(n): i for i, n in enumerate(names)},
            rows,
            tuple(float(b) for b in bias),
            float(threshold),
            frozenset(str(w) for w in domain),
            None if possible is None else float(possible),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "classes": list(self.classes),
            "threshold": self.threshold,
            **(
                {}
                if self.possible_threshold is None
                else {"possible_threshold": self.possible_threshold}
            ),
            "bias": [round(b, 4) for b in self.bias],
            "domain": sorted(self.domain),
            "features": list(self.features),
            # Four decimals, written as whole numbers of 1/WEIGHT_SCALE: the same values
            # read back, in about half the bytes of decimal fractions.
            "weight_scale": WEIGHT_SCALE,
            "weights": [[round(round(w, 4) * WEIGHT_SCALE) for w in row] for row in self.weights],
        }

    def probabilities(self, message: str) -> dict[str, float]:
        scores = list(self.bias)
        for name, value in vectorise(message, self.features, self.domain).items():
            row = self.features.get(name)
            if row is not None:
                for c, weight in enumerate(self.weights[row]):
                    scores[c] += weight * value
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp, strict=True)}

    def predict(self, message: str, threshold: float | None = None) -> str:
        """The kind of small talk, or NOT_SMALL_TALK when small talk of any kind is less
        likely than ``threshold`` (the calibrated one by default)."""
        probs = self.probabilities(message)
        if 1.0 - probs[NOT_SMALL_TALK] < (self.threshold if threshold is None else threshold):
            return NOT_SMALL_TALK
        return max(self.classes[1:], key=lambda c: probs[c])


@cache
def load_smalltalk_model(path: Path = SMALLTALK_PATH) -> SmalltalkModel:
    return SmalltalkModel.from_json(json.loads(path.read_text(encoding="utf-8")))
