"""`make models`: run the labelled examples, fit the two models, write them with cards.

Validation holds out whole units, never single questions: four PolicyQA policies
(drawn with the seed) are never trained on, and each of our labelled files (answers,
colloquial retrieval, the spent blind batches) is scored by models fitted without it.
The answerability thresholds are chosen on those pooled held-out predictions (at most
3 % of answerable questions abstained on), and the cards carry the held-out numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.abstention import OWN_CLOSEST
from assistant.config import PROJECT_ROOT
from assistant.learning.collect import (
    OUR_POLICY,
    Example,
    Row,
    finish_question_features,
    our_examples,
    policyqa_examples,
    run_example,
    training_files,
)
from assistant.learning.decisions import blended, leaned
from assistant.learning.features import QUESTION_FEATURES, SENTENCE_FEATURES
from assistant.learning.models import (
    ANSWERABILITY_PATH,
    SELECTOR_PATH,
    LinearModel,
)
from assistant.learning.policyqa import POLICYQA_PATH, load_policyqa
from assistant.question_bank import BANK_PATH

SEED = 12
HELDOUT_POLICIES = 4
MAX_WRONG_ABSTENTION = 0.03  # a cap on the answer threshold (`net_threshold`)
# A flat "not covered" on a question the policy answers is the worst miss: fitted with a
# margin under 1 % (at 0.01 the shipped model, on every labelled answerable question with
# its file left out of the bank, said it to 9 of 857 = 1.05 %, eighth session)
MAX_FLAT_ABSTENTION = 0.008
CACHE = PROJECT_ROOT / "data" / "learning"
L2 = 1.0
# Past bank weight 64 (128 / 256 with rule weights 16 / 32, fifteenth session) the
# held-out picks rose a little more, always at the grid's edge: the shares only grow more
# peaked there, and the bank decides alone. Kept at 64.
RULE_WEIGHTS = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0)
BANK_WEIGHTS = (0.0, 4.0, 8.0, 16.0, 32.0, 64.0)
LEAN_WEIGHTS = (0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 15.0, 20.0)
# Share of held-out questions within which blend weights count as tied. 0.1 % (one
# question of ~1,730) left the twelfth session's retrain a plateau of rule weights 1 and 2
# (1478 / 1479 with bank weight 64; 4 at 1476), where only the bank's silence tells them
# apart: the fixture policy, which has no bank, then answered "Do you sell my notes to
# advertisers?" with the access right. Three questions are well inside the noise of
# ~1,730 paired picks; the rule weight that picks best with the bank silent (4: 1298,
# 2: 1297) wins among them.
PLATEAU = 0.002


def heldout(example: Example, companies: Sequence[str]) -> bool:
    """A question of a held-out PolicyQA policy (our files are held out in rotation)."""
    return example.source.startswith("policyqa:") and example.source.split(":", 1)[1] in companies


def heldout_companies(names: Sequence[str], seed: int = SEED) -> list[str]:
    return sorted(random.Random(seed).sample(sorted(names), HELDOUT_POLICIES))


# ---------------------------------------------------------------- fitting


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    l2: float = L2,
    sample_weight: np.ndarray | None = None,
) -> LinearModel:
    """Class-balanced L2 logistic regression (Newton steps) on standardised features."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w0 = np.ones(len(y)) if sample_weight is None else sample_weight
    positive = float((w0 * y).sum() / w0.sum())
    weight = w0 * np.where(y == 1, 0.5 / max(positive, 1e-9), 0.5 / max(1 - positive, 1e-9))
    w = np.zeros(z.shape[1])
    penalty = np.r_[np.full(z.shape[1] - 1, l2), 0.0]
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ ((p - y) * weight) + penalty * w
        hess = (z * (p * (1 - p) * weight)[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return LinearModel(
        tuple(names), tuple(mean.tolist()), tuple(scale.tolist()),
        tuple(w[:-1].tolist()), float(w[-1]), {},
    )  # fmt: skip


def selector_data(rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
    xs = [x for r in rows if r.example.answerable for x in r.sentence_x]
    ys = [y for r in rows if r.example.answerable for y in r.sentence_y]
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


def sentence_scores(model: LinearModel, row: Row) -> list[float]:
    return [model.probability(x) for x in row.sentence_x]


def selection_accuracy(rows: Sequence[Row], pick: Callable[[Row], int]) -> dict[str, float]:
    """Among answerable questions whose candidates include a gold sentence: how often
    the picked sentence is gold."""
    usable = [r for r in rows if r.example.answerable and any(r.sentence_y)]
    right = [r.sentence_y[pick(r)] == 1 for r in usable]
    return {"questions": len(usable), "accuracy": round(sum(right) / max(len(right), 1), 3)}


def retrieval_recall(rows: Sequence[Row]) -> dict[str, float]:
    answerable = [r for r in rows if r.example.answerable]
    n = max(len(answerable), 1)
    return {
        "questions": len(answerable),
        "r@1": round(sum(r.gold_rank == 1 for r in answerable) / n, 3),
        "r@3": round(sum(r.gold_rank is not None and r.gold_rank <= 3 for r in answerable) / n, 3),
    }


def question_matrix(rows: Sequence[Row], selector: LinearModel) -> tuple[np.ndarray, np.ndarray]:
    x = [finish_question_features(r, sentence_scores(selector, r)) for r in rows]
    y = [float(r.example.answerable) for r in rows]
    return np.array(x, dtype=float), np.array(y, dtype=float)


def source_weights(rows: Sequence[Row]) -> np.ndarray:
    """Our questions weigh as much in all as PolicyQA's: there are twenty times fewer,
    and they are the wording the product answers (PolicyQA's negatives are a different
    kind of miss: another company's policy, not a near miss in ours). Weighing those
    negatives at 0.5, 0.25 or 0.1 of this measured within noise on our files held out in
    rotation (AUC 0.893-0.895 vs 0.888, uncovered declined at 3 % 0.391-0.409 vs 0.409)."""
    ours = np.array([r.example.policy == OUR_POLICY for r in rows])
    share = max(int(ours.sum()), 1), max(int((~ours).sum()), 1)
    return np.where(ours, len(rows) / (2 * share[0]), len(rows) / (2 * share[1]))


def highest_threshold(probs: np.ndarray, answerable: np.ndarray, budget: float) -> float:
    """The highest threshold (0.01 grid) below which at most ``budget`` of the answerable
    questions fall."""
    best = 0.0
    for t in np.arange(0.01, 1.0, 0.01):
        if float(np.mean(probs[answerable == 1] < t)) <= budget:
            best = round(float(t), 2)
    return best


def net_threshold(probs: np.ndarray, answerable: np.ndarray, budget: float) -> float:
    """The threshold (0.01 grid, at most `highest_threshold`) that declines the most
    unanswerable questions net of the answerable ones it hedges; the lowest such. The
    budget is a cap, not a target: spent to the full 3 % (seventeenth session, pooled
    held-out, lean 20) the last step from 0.50 to 0.76 hedged 51 more answerable questions
    to decline 20 more unanswerable ones, and "Do you collect my credit information?",
    answered exactly by "While we don't collect credit information, ...", was hedged."""
    top = highest_threshold(probs, answerable, budget)
    grid = [round(float(t), 2) for t in np.arange(0.01, top + 0.005, 0.01)]
    if not grid:
        return top
    return max(grid, key=lambda t: (net_declined(probs, answerable, t), -t))


def net_declined(probs: np.ndarray, answerable: np.ndarray, threshold: float) -> int:
    """Unanswerable questions under ``threshold`` minus answerable ones under it."""
    below = probs < threshold
    return int(np.sum(below & (answerable == 0))) - int(np.sum(below & (answerable == 1)))


def auc(probs: Sequence[float], labels: Sequence[float]) -> float:
    """How often an answerable question scores above an unanswerable one (ties half)."""
    p, y = np.asarray(probs, dtype=float), np.asarray(labels, dtype=float)
    pos, neg = p[y == 1][:, None], p[y == 0][None, :]
    if not pos.size or not neg.size:
        return 0.0
    return round(float((pos > neg).mean() + 0.5 * (pos == neg).mean()), 3)


def abstention_metrics(
    probs: Sequence[float],
    answerable: Sequence[bool],
    thresholds: dict[str, float],
    own: tuple[Sequence[float], float] | None = None,
) -> dict[str, float]:
    """``own``: the unmoved probabilities and OWN_CLOSEST; a flat "not covered" needs the
    moved one under the closest threshold and the unmoved one under OWN_CLOSEST
    (`AbstentionModel.shows_closest`)."""
    p, a = np.array(probs), np.array(answerable)
    answer, closest = thresholds["answer"], thresholds["closest"]
    flat = p < closest
    if own is not None:
        flat &= np.array(own[0]) < own[1]
    return {
        "answerable": int(a.sum()),
        "unanswerable": int((~a).sum()),
        "wrong_abstention": round(float(np.mean(p[a] < answer)), 3) if a.any() else 0.0,
        "flat_not_covered_on_answerable": round(float(np.mean(flat[a])), 3) if a.any() else 0.0,
        "abstention_recall": round(float(np.mean(p[~a] < answer)), 3) if (~a).any() else 0.0,
    }


# ---------------------------------------------------------------- running the examples


def build_rows(examples: Sequence[Example], log: Callable[[str], None]) -> list[Row]:
    from assistant.answering.abstention import AbstentionModel
    from assistant.answering.grounded import GroundedGenerator
    from assistant.config import Settings
    from assistant.index import open_index
    from assistant.learning.cache import CachingEmbedder
    from assistant.learning.decisions import SentenceSelector
    from assistant.policy import Policy
    from assistant.retrieval import HybridRetriever, dense_query, load_retriever

    embedder = CachingEmbedder.open(CACHE / "embeddings")
    companies = {c.company: c for c in load_policyqa()}
    ours = load_retriever(Settings(data_dir=CACHE / "index-workallies"), embedder)
    pqa_index = open_index(Settings(data_dir=CACHE / "index-policyqa"), embedder)
    # no learned model yet: the models are trained on what the generator computes itself
    blank = LinearModel((), (), (), (), 0.0, {})
    neutral, selector = AbstentionModel(0.5, 0.25, learned=blank), SentenceSelector(blank)

    def plain(policy: Policy) -> GroundedGenerator:
        return GroundedGenerator(policy, model=neutral, selector=selector)

    pairs: dict[str, tuple[Any, GroundedGenerator]] = {OUR_POLICY: (ours, plain(ours.policy))}
    for name, company in companies.items():
        pqa_index.ingest(company.policy)
        retriever = HybridRetriever(pqa_index, version=company.policy.version)
        pairs[name] = (retriever, plain(company.policy))
    embedder.save()
    texts = [
        dense_query(pairs[e.policy][0]._follower.lexical().expander.expand(e.question))
        for e in examples
    ]
    log(f"embedding {len(set(texts))} distinct queries")
    embedder.prefetch_queries(texts)
    embedder.save()
    rows = []
    started = time.perf_counter()
    for i, example in enumerate(examples):
        retriever, generator = pairs[example.policy]
        if example.policy == OUR_POLICY:  # an example must not find itself in the bank
            retriever = ours.excluding({example.source})
        row = run_example(example, retriever, generator)
        if row is not None:
            rows.append(row)
        if i % 500 == 0:
            log(f"  {i}/{len(examples)} examples, {time.perf_counter() - started:.0f}s")
            embedder.save()
    embedder.save()
    return rows


def hash_files(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def provenance() -> dict[str, str]:
    answers, retrieval = training_files()
    data = [POLICYQA_PATH, *answers, *retrieval]
    data.append(PROJECT_ROOT / "corpus" / "workallies-privacy-policy.txt")
    data.append(BANK_PATH)
    code = sorted((PROJECT_ROOT / "assistant" / "learning").glob("*.py"))
    code.append(PROJECT_ROOT / "assistant" / "question_bank.py")
    code += sorted((PROJECT_ROOT / "assistant" / "answering").glob("*.py"))
    return {"data_sha256": hash_files(data), "code_sha256": hash_files(code), "seed": str(SEED)}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=Path, default=CACHE / "rows.json")
    parser.add_argument("--reuse-rows", action="store_true", help="skip re-running the examples")
    args = parser.parse_args(argv)
    companies = load_policyqa()
    examples = our_examples() + policyqa_examples(companies, SEED)
    if args.reuse_rows and args.rows.exists():
        rows = [_row_from(d) for d in json.loads(args.rows.read_text())]
    else:
        rows = build_rows(examples, print)
        args.rows.parent.mkdir(parents=True, exist_ok=True)
        args.rows.write_text(json.dumps([asdict(r) for r in rows]))
    held = heldout_companies([c.company for c in companies if c.questions])
    report = fit_and_report(rows, held)
    write_models(report, provenance())


def write_models(report: dict[str, Any], origin: dict[str, str]) -> None:
    """The two weight files and a card beside each (JSON metrics + a Markdown summary)."""
    common = {
        **origin,
        "heldout": HELDOUT_NOTE,
        "heldout_policies": report["heldout_policies"],
        "policyqa_heldout": report["policyqa_heldout"],
        "ours_by_file_rotation": report["ours_by_file_rotation"],
    }
    cards = {
        SELECTOR_PATH: {
            **common,
            "trained_on": "answerable questions of our files and 16 PolicyQA policies: "
            "candidate sentences, label = quotes a gold phrase / the PolicyQA answer span",
        },
        ANSWERABILITY_PATH: {
            **common,
            "trained_on": "the same questions, answerable or not (PolicyQA negatives: a "
            "question asked of another policy that was asked nothing like it)",
            "thresholds": report["answerability"].thresholds,
            "ours_pooled_rotation": report["ours_pooled_rotation"],
            "ours_pooled_rotation_without_bank_lean": report[
                "ours_pooled_rotation_without_bank_lean"
            ],
        },
    }
    for path, card in cards.items():
        model: LinearModel = report["selector" if path == SELECTOR_PATH else "answerability"]
        path.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
        card_path = path.with_suffix(".card.json")
        card_path.write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path.name} and {card_path.name}")
        print(json.dumps(card, indent=1))


HELDOUT_NOTE = (
    "policyqa_heldout: the final models on PolicyQA policies never trained on; "
    "ours_by_file_rotation: each of our files scored by models fitted without it "
    "(thresholds chosen on those pooled held-out predictions)"
)


def _row_from(data: dict[str, Any]) -> Row:
    example = Example(**{**data["example"], "gold": tuple(data["example"]["gold"])})
    return Row(**{**data, "example": example})


def fit_pair(train: Sequence[Row]) -> tuple[LinearModel, LinearModel]:
    """The selector, then the answerability model over its scores (no thresholds yet)."""
    x, y = selector_data(train)
    selector = fit_logistic(x, y, SENTENCE_FEATURES)
    xq, yq = question_matrix(train, selector)
    weights = source_weights(train)
    return selector, fit_logistic(xq, yq, QUESTION_FEATURES, sample_weight=weights)


def _today(row: Row) -> int:
    return 0  # candidates come sorted by today's rule score


def _learned(
    selector: LinearModel, rule_weight: float = 0.0, bank_weight: float = 0.0
) -> Callable[[Row], int]:
    def pick(row: Row) -> int:
        logits = blended(
            sentence_scores(selector, row), row.rule_scores, rule_weight,
            row.bank_scores, bank_weight,
        )  # fmt: skip
        return int(np.argmax(logits))

    return pick


def choose_weights(rotation: dict[str, tuple[list[Row], LinearModel]]) -> tuple[float, float]:
    """The weights of the rule score and of the question bank's support next to the
    selector's log-odds when ordering sentences, chosen on held-out predictions over all
    our files (each file's questions left out of the bank): the rules were tuned on half
    of them and the selector wins on the other half (see the card)."""

    scored = [
        (row, model)
        for rows, model in rotation.values()
        for row in rows
        if row.example.answerable and any(row.sentence_y)
    ]

    def right(weights: tuple[float, float]) -> int:
        return sum(row.sentence_y[_learned(model, *weights)(row)] for row, model in scored)

    grid = [(rule, bank) for rule in RULE_WEIGHTS for bank in BANK_WEIGHTS]
    counts = {w: right(w) for w in grid}
    tolerance = int(PLATEAU * len(scored))
    near = [w for w in grid if counts[w] >= max(counts.values()) - tolerance]
    # On a plateau (rule weights 1 / 2 / 4 / 8 at 1338 / 1337 / 1337 / 1337 of ~1,480,
    # eleventh session) prefer the rule weight that picks best where the bank is silent
    # (its bank weight 0 is on the grid), as for a clause new in a policy update: at 1 "Do
    # you sell my notes to advertisers?" quoted the access right first on a policy with no
    # bank.
    # The bank-silent counts are noisy too: within the plateau of the best one they tie,
    # and the most right picks in all decides (fourteenth session: rule weight 2 beat 4 by
    # one bank-silent pick, 1605 / 1604, and lost one in all; on the bank-less fixture
    # policy "Do you sell my data?" then quoted the sell clause second).
    silent = max(counts[(w[0], 0.0)] for w in near)
    return max(
        near,
        key=lambda w: (counts[(w[0], 0.0)] >= silent - tolerance, counts[w], -w[0], -w[1]),
    )


def choose_lean_weight(
    probs: Sequence[float], labels: Sequence[float], leans: Sequence[float | None]
) -> float:
    """How far the question bank's lean (`BankMatches.lean`) moves the answerability
    log-odds: the weight that declines the most unanswerable questions net of the
    answerable ones it hedges, each at its `net_threshold`, on held-out predictions (each
    file predicted by models fitted without it, its own questions left out of the bank)."""
    y = np.asarray(labels, dtype=float)

    def net(weight: float) -> int:
        p = np.array([leaned(v, lean, weight) for v, lean in zip(probs, leans, strict=True)])
        return net_declined(p, y, net_threshold(p, y, MAX_WRONG_ABSTENTION))

    return max(LEAN_WEIGHTS, key=lambda w: (net(w), -w))


def fit_and_report(rows: Sequence[Row], held: Sequence[str]) -> dict[str, Any]:
    """Our files in rotation (each predicted by models fitted without it, so every
    number and the thresholds come from held-out predictions), PolicyQA by policy (the
    held-out policies are never trained on); the shipped models are fitted on the rest."""
    ours = [r for r in rows if r.example.policy == OUR_POLICY]
    policyqa = [r for r in rows if r.example.policy != OUR_POLICY]
    pqa_train = [r for r in policyqa if not heldout(r.example, held)]
    pqa_test = [r for r in policyqa if heldout(r.example, held)]
    files = sorted({r.example.source for r in ours})
    rotation: dict[str, dict[str, Any]] = {}
    fitted: dict[str, tuple[list[Row], LinearModel]] = {}
    pooled_p: list[float] = []
    pooled_y: list[float] = []
    pooled_lean: list[float | None] = []
    for name in files:
        test = [r for r in ours if r.example.source == name]
        selector, answerability = fit_pair(pqa_train + [r for r in ours if r not in test])
        xq, yq = question_matrix(test, selector)
        probs = [answerability.probability(v) for v in xq]
        pooled_p += probs
        pooled_y += yq.tolist()
        pooled_lean += [r.bank_lean for r in test]
        fitted[name] = (test, selector)
        rotation[name] = {
            "selection_today": selection_accuracy(test, _today),
            "selection_learned_alone": selection_accuracy(test, _learned(selector)),
            "retrieval": retrieval_recall(test),
            "probs": probs,
            "labels": yq.tolist(),
        }
    rule_weight, bank_weight = choose_weights(fitted)
    for name, (test, selector) in fitted.items():
        learned = selection_accuracy(test, _learned(selector, rule_weight, bank_weight))
        rotation[name]["selection_learned"] = learned
    p, y = np.array(pooled_p), np.array(pooled_y)
    lean_weight = choose_lean_weight(pooled_p, pooled_y, pooled_lean)
    moved = np.array([leaned(v, lean, lean_weight) for v, lean in zip(p, pooled_lean, strict=True)])
    thresholds = {
        "answer": net_threshold(p, y, MAX_WRONG_ABSTENTION),
        "closest": highest_threshold(p, y, MAX_FLAT_ABSTENTION),
        "answer_banked": net_threshold(moved, y, MAX_WRONG_ABSTENTION),
        "closest_banked": highest_threshold(moved, y, MAX_FLAT_ABSTENTION),
        "bank_lean_weight": lean_weight,
    }
    banked = {"answer": thresholds["answer_banked"], "closest": thresholds["closest_banked"]}
    offset = 0
    for result in rotation.values():
        labels = [bool(v) for v in result.pop("labels")]
        n = len(labels)
        result.pop("probs")
        chunk = moved[offset : offset + n].tolist()
        own = (p[offset : offset + n].tolist(), OWN_CLOSEST)
        result["abstention"] = abstention_metrics(chunk, labels, banked, own)
        offset += n
    selector, answerability = fit_pair(pqa_train + ours)
    answerability = LinearModel(**{**asdict(answerability), "thresholds": thresholds})
    weights = {"rule_weight": rule_weight, "bank_weight": bank_weight}
    selector = LinearModel(**{**asdict(selector), "thresholds": weights})
    xq, yq = question_matrix(pqa_test, selector)
    pqa_probs = [answerability.probability(v) for v in xq]
    return {
        "selector": selector,
        "answerability": answerability,
        "ours_by_file_rotation": rotation,
        "ours_pooled_rotation": {
            **abstention_metrics(
                moved.tolist(), [bool(v) for v in y], banked, (p.tolist(), OWN_CLOSEST)
            ),
            "auc": auc(moved.tolist(), y.tolist()),
        },
        "ours_pooled_rotation_without_bank_lean": {
            **abstention_metrics(p.tolist(), [bool(v) for v in y], thresholds),
            "auc": auc(p.tolist(), y.tolist()),
        },
        "policyqa_heldout": {
            "selection_today": selection_accuracy(pqa_test, _today),
            "selection_learned_alone": selection_accuracy(pqa_test, _learned(selector)),
            "selection_learned": selection_accuracy(
                pqa_test, _learned(selector, rule_weight, bank_weight)
            ),
            "retrieval": retrieval_recall(pqa_test),
            "abstention": abstention_metrics(pqa_probs, [bool(v) for v in yq], thresholds),
        },
        "heldout_policies": list(held),
    }


if __name__ == "__main__":
    main()
