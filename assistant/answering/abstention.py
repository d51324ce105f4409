"""Does the policy address the question at all? One calibrated probability.

The answerability model (assistant/learning/models/answerability.json, trained by
`make models` on PolicyQA and our labelled sets, see its model card) reads the
retrieval signals (best dense cosine and its margin, BM25), how much of the question
the best sentences cover (rare words weigh more), and the sentence selector's scores.
The question bank's lean (nearer to a labelled question the policy answers, or to one it
does not) moves that probability by a weight fitted with it. Its thresholds were chosen
on out-of-fold predictions: the answer threshold declines the most unanswerable questions
net of the answerable ones it hedges, abstaining on at most 3 % of answerable ones;
between ``closest_threshold`` and ``threshold`` the reply shows the closest passage,
below it says the policy is silent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.answering.text import stem, words
from assistant.learning.decisions import leaned
from assistant.learning.models import ANSWERABILITY_PATH, LinearModel, load_model


@dataclass(frozen=True)
class Signals:
    similarity: float  # best dense cosine among the hits
    coverage: float  # best candidate sentence's weighted coverage of the question, 0..1
    uncovered: float  # weighted share of the question's specific words no hit mentions
    privacy: float  # 1.0 when the question mentions a privacy-domain word
    off_topic: float = 0.0  # 1.0 when it asks for what no policy answers (a poem, the weather)
    # names and acronyms in the question the policy never uses ("AWS", "Stripe", "CCPA"):
    # a question about a named thing the policy never names is rarely answered by it
    unseen_names: float = 0.0
    # how much nearer the question is to a banked question the policy answers than to
    # one it does not (`BankMatches.lean`); not a model input, it moves the probability.
    # None: the bank cannot tell (no bank, or a policy text it was not labelled against).
    bank_lean: float | None = None
    features: tuple[float, ...] = ()  # the answerability model's inputs (learning.features)


def _learned() -> LinearModel:
    return load_model(ANSWERABILITY_PATH)


# The model's own probability above which the question bank alone cannot make the policy
# silent (a closest passage, not a flat "not covered"). Dev, batches 8 / 9 / 10 (each left
# out of the bank): uncovered questions told "not covered" flat 0.761 / 0.788 / 0.733 ->
# 0.696 / 0.712 / 0.667 (the rest see the closest passage), answerable ones unchanged;
# at 0.5, 0.583 on batch 10.
OWN_CLOSEST = 0.65


@dataclass(frozen=True)
class AbstentionModel:
    """Answer when the learned probability reaches ``threshold`` (a negative threshold, the
    default, means the one the model file was fitted with; likewise ``closest_threshold``).

    Where the question bank leans (`Signals.bank_lean`) the probability is moved by it
    and compared with thresholds fitted on such moved probabilities ("banked"); where it
    cannot tell, with the ones fitted without it: one threshold for both would abstain on
    a clause new in a policy update as if the bank had spoken (PolicyQA held-out wrong
    abstention 0.165 instead of 0.014)."""

    threshold: float = -1.0
    closest_threshold: float = -1.0
    # Below this similarity with no privacy word, nothing in the policy is even close: the
    # question is out of scope, not a gap in the policy ("What is the capital of France?").
    out_of_scope_similarity: float = 0.12
    learned: LinearModel = field(default_factory=_learned, repr=False)

    def thresholds(self, banked: bool) -> tuple[float, float]:
        """(answer, closest) for a probability the bank moved or not."""
        fitted = self.learned.thresholds
        answer = fitted.get("answer_banked", fitted["answer"]) if banked else fitted["answer"]
        closest = fitted.get("closest_banked", fitted["closest"]) if banked else fitted["closest"]
        return (
            answer if self.threshold < 0 else self.threshold,
            closest if self.closest_threshold < 0 else self.closest_threshold,
        )

    def probability(self, signals: Signals) -> float:
        weight = self.learned.thresholds.get("bank_lean_weight", 0.0)
        return leaned(self.learned.probability(signals.features), signals.bank_lean, weight)

    # The two decisions take the probability, computed once per turn by the caller, and
    # whether the bank moved it.
    def answers(self, probability: float, banked: bool = False) -> bool:
        return probability >= self.thresholds(banked)[0]

    def own_probability(self, signals: Signals) -> float:
        """The model's probability before the question bank moved it."""
        return self.learned.probability(signals.features)

    def shows_closest(
        self, probability: float, banked: bool = False, own: float | None = None
    ) -> bool:
        """Not sure enough to answer, too close to say the policy is silent. Where the bank
        alone sank the question (``own``, the model's unmoved probability, reaches
        OWN_CLOSEST), the policy is not called silent either: "do u use encryption" sat at
        cosine 0.90 to a banked "do you use AES-256 encryption", which the policy does not
        answer, and got a flat "not covered" (ninth session, batch 10 in the bank)."""
        answer, closest = self.thresholds(banked)
        if probability >= answer:
            return False
        if probability >= closest:
            return True
        return banked and own is not None and own >= OWN_CLOSEST

    def out_of_scope(self, signals: Signals) -> bool:
        if signals.privacy:  # "a poem about my privacy rights" is still about privacy
            return False
        return bool(signals.off_topic) or signals.similarity < self.out_of_scope_similarity


def word_flag(question: str, vocabulary_words: list[str]) -> float:
    stems_wanted = set(stem([w.lower() for w in vocabulary_words]))
    return 1.0 if set(stem(words(question))) & stems_wanted else 0.0


def unseen_names(question: str, names: Sequence[str], known: Callable[[str], bool]) -> float:
    """How many of the question's distinct names the policy never uses (at most 3). A
    shouted question ("YOU READ EVERY MESSAGE??") has capitals, not names."""
    letters = [c for c in question if c.isalpha()]
    if sum(c.isupper() for c in letters) * 2 > len(letters):
        return 0.0
    return float(min(sum(not known(n.lower()) for n in dict.fromkeys(names)), 3))
