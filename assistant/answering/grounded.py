"""The offline default generator: answers composed only of cited policy sentences.

Deterministic: the same question and hits always give the same answer. The plan is
(1) decide from retrieval signals whether the policy addresses the question at all,
(2) pick the sentence that answers best and, if they add something the question asked,
up to two more, (3) show a list item with its lead-in ("Prevent fraud." alone says
nothing), (4) lead with Yes/No when the policy clearly affirms or negates what a yes/no
question asks, and (5) say what the question asked that the policy does not mention.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.answering import compose
from assistant.answering.abstention import AbstentionModel, Signals, unseen_names, word_flag
from assistant.answering.citations import MARKER_RE, cite
from assistant.answering.polarity import affirmed, lead_for, other_period, yes_no_question
from assistant.answering.selection import (
    ANAPHORS,
    LABEL_RE,
    Candidate,
    Intent,
    Question,
    SentenceScorer,
    antecedent,
    continued_by,
    list_items,
)
from assistant.answering.statements import Numbering, Span, Statement
from assistant.answering.text import (
    Vocabulary,
    question_sentences,
    stem,
    words,
)
from assistant.answering.types import Answer, JustRead
from assistant.answering.wording import Wording, load_wording
from assistant.index import clause_context
from assistant.language import EMAIL_RE, negative_form
from assistant.learning.decisions import SentenceSelector, answer_features
from assistant.policy import Clause, Policy, iter_sentences
from assistant.question_bank import NO_MATCHES, BankMatches
from assistant.redaction import MASK_RE
from assistant.retrieval import QueryExpander, expansion_vocabulary

if TYPE_CHECKING:
    from assistant.retrieval import Hit

log = logging.getLogger(__name__)

MAX_STATEMENTS = 3
MAX_ITEMS = 4  # list items shown after a lead-in
MAX_WORDS = 90
# A further statement must be this close to the best one (ranker shares). Chosen on the
# spent blind batch 4 with models fitted without it: replies' top 3 0.539 -> 0.559 for 3
# more words on average (0.3 gave 0.598 for 12 more: a wall of quotes).
RELATIVE_SCORE = 0.5
CRYPTIC_WORDS = 8  # a list item this short needs its lead-in to make sense
CONTINUE_BELOW_WORDS = 25  # a shorter list item is continued by the next one
CONDITIONAL_RE = re.compile(r"(?:If|When|Where|Unless|In case)\b")


class GroundedGenerator:
    def __init__(
        self,
        policy: Policy,
        wording: Wording | None = None,
        model: AbstentionModel | None = None,
        selector: SentenceSelector | None = None,
    ) -> None:
        """``model`` and ``selector``: the learned answerability model and sentence
        selector (the shipped ones if None)."""
        self.policy = policy
        self.wording = (wording or load_wording()).for_policy(policy)
        self.model = model or AbstentionModel()
        self.selector = selector or SentenceSelector()
        words_ = self.wording.vocabulary
        sentences = [c.text[s:e] for c in policy.clauses for s, e in iter_sentences(c.text)]
        self.vocabulary = Vocabulary.build(words_.synonyms, words_.generic, sentences)
        self.scorer = SentenceScorer(policy, self.vocabulary)
        self.intents = [Intent.build(i.pattern, i.add) for i in words_.intents]
        self.hedges = frozenset(stem([w.lower() for w in words_.hedges]))
        self.contact = self._contact_span()
        self.expander = QueryExpander(expansion_vocabulary(policy))

    # ------------------------------------------------------------ the one method

    def answer(self, question: str, hits: Sequence[Hit], just_read: JustRead = None) -> Answer:
        try:
            # "do u sell my data": "u" is not a word the policy could cover
            return self._answer(self.expander.rewrite_chat_speak(question), hits, just_read)
        except Exception:  # an answer must never take the chat down
            log.warning("grounded answer failed; abstaining", exc_info=True)
            # not "the policy doesn't cover that": nobody read the policy
            return Answer(self.wording.failed, (), True, False, 0.0, ("internal error",))

    def signals(self, question: str, hits: Sequence[Hit]) -> tuple[Signals, list[Candidate]]:
        signals, candidates, _ = self._read_signals(question, hits)
        return signals, candidates

    def _read_signals(
        self, question: str, hits: Sequence[Hit]
    ) -> tuple[Signals, list[Candidate], Question]:
        """Abstention signals, also read through the retriever's privacy vocabulary, the
        ranked candidates and the question as parsed (once per turn).

        Chat wording ("what if you guys get hacked", "do u sell my stuff") uses words the
        policy never does; read literally, they count as uncovered and the assistant
        abstained on half of the colloquial retrieval questions. The expanded reading maps
        them to policy terms (security, sell or rent), and the better-covered reading
        counts; the sentences chosen for the answer still come from the literal question.
        """
        parsed = Question.parse(question, self.vocabulary, self.intents)
        signals, candidates = self._literal_signals(question, parsed, hits)
        reading = self._expanded_reading(question)
        if reading.lower() != question.strip().lower():
            again = Question.parse(reading, self.vocabulary, self.intents)
            expanded, _ = self._literal_signals(reading, again, hits)
            signals = replace(
                signals,
                coverage=max(signals.coverage, expanded.coverage),
                uncovered=min(signals.uncovered, expanded.uncovered),
            )
        scores = self.selector.scores(candidates, len(parsed.sought), hits)
        features = answer_features(signals, hits, scores)
        ranked = self.selector.rank(candidates, scores)
        return replace(signals, features=tuple(features)), ranked, parsed

    def _expanded_reading(self, question: str) -> str:
        """The question with typos and chat-speak fixed and its concepts' policy
        vocabulary added to its last sentence. Sentence by sentence, because the last one
        is what a follow-up asks (`Question.focus`): appended as a sentence of their own,
        the added phrases became the focus and the user's own words counted half."""
        sentences = question_sentences(question) or [question]
        fixed = [" ".join(self.expander.normalise(s)) for s in sentences]
        phrases = ", ".join(dict.fromkeys(self.expander.expand(question).phrases))
        last = f"{fixed[-1]} {phrases}" if phrases else fixed[-1]
        return ". ".join([*fixed[:-1], last]) + "?"

    def _literal_signals(
        self, question: str, parsed: Question, hits: Sequence[Hit]
    ) -> tuple[Signals, list[Candidate]]:
        candidates = self.scorer.candidates(parsed, hits)
        specific = [t for t in parsed.terms if t not in self.vocabulary.generic]
        mentioned = set().union(*(c.matched for c in candidates))
        # weighed like coverage: the sentences before the question only set the scene
        weight = {t: self.vocabulary.weight(t) * parsed.emphasis(t) for t in specific}
        total = sum(weight.values())
        missing = sum(w for t, w in weight.items() if t not in mentioned)
        vocab = self.wording.vocabulary
        signals = Signals(
            similarity=max((h.similarity for h in hits), default=0.0),
            coverage=candidates[0].coverage if candidates else 0.0,
            uncovered=missing / total if total else 0.0,  # nothing specific to miss
            privacy=word_flag(question, vocab.privacy),
            off_topic=word_flag(question, vocab.off_topic),
            unseen_names=unseen_names(
                question,
                _names(MASK_RE.sub(" ", question), self.wording.company),
                lambda w: self.vocabulary.known(stem([w])[0]),
            ),
            bank_lean=hits[0].bank_matches.lean if hits else None,
        )
        return signals, candidates

    def _answer(self, question: str, hits: Sequence[Hit], just_read: JustRead) -> Answer:
        signals, candidates, parsed = self._read_signals(question, hits)
        confidence = self.model.probability(signals)
        banked = signals.bank_lean is not None
        # Off-topic words with no privacy word ("fix a bug in my Python code") decline at
        # any confidence: no answerable question of the labelled files has them, and the
        # bank's lean can lift such a question past the threshold ("can u fix my info").
        off_topic = bool(signals.off_topic) and not signals.privacy
        if not candidates or off_topic or not self.model.answers(confidence, banked):
            oos = self.model.out_of_scope(signals)
            own = self.model.own_probability(signals)
            if candidates and not oos and self.model.shows_closest(confidence, banked, own):
                return self._closest(question, candidates, confidence, signals)
            return self.abstain(oos, confidence, notes=(f"signals {signals}",))
        matches = hits[0].bank_matches if hits else NO_MATCHES
        ranked = _fresh_first(candidates, just_read)
        statements = self._plan(ranked, frozenset(parsed.intent), matches)
        numbering = Numbering()
        parts = [self._render(s, numbering) for s in statements]
        notes = self._partial(question, parts)
        # A lead would overstate an answer that leaves part of the question open.
        lead = None if notes else self._lead(question, statements[0], matches)
        text = " ".join([*([lead] if lead else []), *parts, *notes])
        return Answer(text, tuple(numbering.citations), confidence=confidence)

    # ------------------------------------------------------------ planning

    def _plan(
        self, candidates: list[Candidate], intent: frozenset[str], matches: BankMatches
    ) -> list[Statement]:
        """The best statement, then up to two more that cover words of the question the
        ones before did not (what its shape asks for, "purposes", does not count)."""
        best = candidates[0]
        statements = [self._statement(best, candidates, matches)]
        used = {(s.clause.id, s.start) for s in statements[0].spans()}
        covered = set(best.matched)
        length = len(self._preview(statements[0]).split())
        for candidate in candidates[1:]:
            close = candidate.strength >= RELATIVE_SCORE * best.strength
            if len(statements) >= MAX_STATEMENTS or not close:
                break
            adds = candidate.own_matched - covered - intent
            if (candidate.clause.id, candidate.start) in used or not (
                adds or self._second_reading(best, statements)
            ):
                continue
            statement = self._statement(candidate, candidates, matches)
            spans = {(s.clause.id, s.start) for s in statement.spans()}
            extra = len(self._preview(statement).split())
            if spans & used or length + extra > MAX_WORDS:
                continue
            statements.append(statement)
            used |= spans
            covered |= candidate.matched
            length += extra
        return statements

    @staticmethod
    def _second_reading(best: Candidate, planned: list[Statement]) -> bool:
        """When the ranker is unsure of its best sentence, the runner-up is shown too: it
        may be the one that answers. Unsure is implied: a runner-up within RELATIVE_SCORE
        of the best leaves the best at most 2/3 of the shares (a cut-off at 0.7 on top of
        it never changed a reply). From the same clause too (tenth session): dev batches
        5-10, each out of the bank, gold in the top 3 826 -> 831 of 895, none lost, 0.2
        more words a reply ("in what situations would you keep my stuff longer": the
        clause's first sentence, then the one that answers)."""
        return best.learned is not None and len(planned) == 1

    def _statement(
        self, best: Candidate, candidates: list[Candidate], matches: BankMatches = NO_MATCHES
    ) -> Statement:
        span = Span(best.clause, best.start, best.end)
        # Only the sentence that ends in ":" introduces the list; an earlier sentence of
        # the same clause ("We generally keep ... purpose.") is a statement of its own.
        ends_clause = not best.clause.text[best.end :].strip()
        items = list_items(self.policy, best.clause) if ends_clause else []
        if items and _reads_as_list(items):
            chosen = items[:MAX_ITEMS]
            shown = tuple(Span.whole(c) for c in chosen)
            return Statement(span, None, span, shown, len(items) - len(chosen))
        if items:
            # Items that are sentences of their own read badly as a comma list: say the
            # one that answers best ("Do you use my data for marketing?").
            item = next((c for c in candidates if c.clause in items), None)
            if item is None:
                first = Span(items[0], *next(iter_sentences(items[0].text)))
                return Statement(first, self._continuation(first) or self._next_item(first))
            best, span = item, Span(item.clause, item.start, item.end)
        parent = self.policy.parent(best.clause)
        before = antecedent(self.policy, best.clause)
        # "These communications may be delivered via ..." after the item it continues,
        # both as sentences: a heading-like lead-in adds nothing ("If you ...:" does).
        sentence_items = parent is not None and not _reads_as_list(self.policy.children(parent))
        conditional = _states_consequence(parent.text) if parent else False
        if parent and before and sentence_items and not conditional:
            first = Span(before, *next(iter_sentences(before.text)))
            return Statement(first, span)
        # A short item needs its lead-in to make sense, and so does one that answers the
        # question only through it ("Compliance with legal obligations" answers "On what
        # legal basis ...?" under "processing is justified based on:").
        leans = _cryptic(best.text) or (
            parent is not None
            and not _heading_like(parent.text)
            and len(best.own_matched) * 2 <= len(best.matched)
        )
        if parent and parent.text.rstrip().endswith(":") and leans:
            return self._under_lead_in(best, parent, candidates, matches)
        return Statement(span, self._continuation(span) or self._next_item(span))

    def _under_lead_in(
        self, best: Candidate, parent: Clause, candidates: list[Candidate], matches: BankMatches
    ) -> Statement:
        """``best``, an item, with its lead-in and the items ranked close to it or named
        with it by a near paraphrase in the question bank."""
        siblings = [
            c.clause
            for c in candidates
            if c.clause.parent_id == parent.id
            and c.clause.id != best.clause.id
            and c.strength >= RELATIVE_SCORE * best.strength
        ]
        listed = self.policy.children(parent)
        banked = _banked_items(best.clause, listed, matches)
        chosen = list(dict.fromkeys([best.clause, *siblings, *banked]))[:MAX_ITEMS]
        items = sorted(self._with_antecedents(chosen), key=lambda c: c.position)
        # only the lead-in's last sentence introduces the items; earlier ones would be
        # quoted under its one marker ("We generally keep ... . ... purposes:")
        lead_in = Span(parent, *list(iter_sentences(parent.text))[-1])
        # the list is cut short only where the paraphrase named more than is shown
        more = len(listed) - len(items) if not set(banked) <= set(items) else 0
        span = Span(best.clause, best.start, best.end)
        return Statement(span, None, lead_in, tuple(Span.whole(c) for c in items), more)

    def _with_antecedents(self, items: list[Clause]) -> list[Clause]:
        """Items plus the one before any item that points back at it: "This applies even
        if you post ..." means nothing without "Your submission is subject to ..." (no
        dev case's gold phrase scores it: d-social-tag's gold is the lead-in, but without
        it the reply never says what happens)."""
        out = list(dict.fromkeys(items))
        for clause in items:
            if clause.text.split(" ", 1)[0] not in ANAPHORS or clause.parent_id is None:
                continue
            siblings = self.policy.children(self.policy.clause(clause.parent_id))
            before = [c for c in siblings if c.position < clause.position]
            if before and before[-1] not in out:
                out.append(before[-1])
        return out

    @staticmethod
    def _continuation(span: Span) -> Span | None:
        """The next sentence when the answer sentence is continued by one that refers back
        to it ("... introduced impression reporting. This involves collecting ..."), at
        any length: "we track … web logs … . This data serves multiple purposes: …" answers
        both what is tracked and why (thirteenth session, dev batches 5-13: three "why do
        you track …" questions got the reason, and 39 other replies one more sentence;
        a limit of 25 words held it back)."""
        for start, end in iter_sentences(span.clause.text):
            if start >= span.end:
                first = span.clause.text[start:end].split(" ", 1)[0]
                return Span(span.clause, start, end) if first in ANAPHORS else None
        return None

    def _next_item(self, span: Span) -> Span | None:
        if len(span.text.split()) >= CONTINUE_BELOW_WORDS:
            return None
        following = continued_by(self.policy, span.clause)
        return Span.whole(following) if following else None

    # ------------------------------------------------------------ rendering

    def _render(self, statement: Statement, numbering: Numbering) -> str:
        if statement.lead_in is None:
            return " ".join(
                compose.render_sentence(
                    span.text, numbering.marker(self.policy, span), self.wording
                )
                for span in statement.spans()
            )
        lead_marker = numbering.marker(self.policy, statement.lead_in)
        items = [(s.text, numbering.marker(self.policy, s)) for s in statement.items]
        text = compose.render_list(statement.lead_in.text, lead_marker, items, self.wording)
        if statement.more:
            text += " " + self.wording.list_more.format(count=statement.more)
        return text

    def _preview(self, statement: Statement) -> str:
        return self._render(statement, Numbering())

    def _lead(self, question: str, first: Statement, matches: BankMatches) -> str | None:
        """The rules' lead; failing that, the one a near paraphrase in the question bank
        had, if the same clause answered it (qualified when the sentence hedges)."""
        asked = yes_no_question(question, self.vocabulary)
        if asked is None or other_period(asked, first.primary.text):
            return None
        clause = first.primary.clause
        parent = self.policy.parent(clause)
        # the live app's "does workallies need my consent for everything" x the legal
        # bases list's "Your consent for a particular purpose." read "Yes." (blind 18)
        listed = parent is not None and len(list_items(self.policy, parent)) > 1
        context = clause_context(self.policy, clause)
        lead: str | None = lead_for(
            asked, first.primary.text, self.vocabulary, self.hedges, context, listed=listed
        )
        if lead == "mixed":
            return None
        if lead is None:
            clause_ids = {s.clause.id for s in first.spans()}
            lead = matches.lead(clause_ids, negative_form(question))
            if lead == "yes":
                hedged = bool(set(stem(words(first.primary.text))) & self.hedges)
                lead = affirmed(asked, hedged=hedged)
        return getattr(self.wording.leads, lead) if lead else None

    def _partial(self, question: str, parts: list[str]) -> list[str]:
        """What the question asked that the policy does not say, in so many words."""
        notes = []
        question = MASK_RE.sub(" ", question)  # a masked card number is not a topic
        names = _names(question, self.wording.company)
        unknown = [n for n in names if not self.vocabulary.known(stem([n.lower()])[0])]
        if unknown:
            terms = " or ".join(unknown[:3])
            notes.append(self.wording.partial.unknown_terms.format(terms=terms))
        vocab = self.wording.vocabulary
        lowered = " ".join(words(question))
        asks_duration = any(p in lowered for p in vocab.duration_questions)
        said = MARKER_RE.sub("", " ".join(parts))
        gives_period = set(words(said)) & set(vocab.durations) or re.search(r"\d", said)
        if asks_duration and not gives_period:
            notes.append(self.wording.partial.no_period)
        return notes

    # ------------------------------------------------------------ abstaining

    def abstain(self, out_of_scope: bool, confidence: float, notes: tuple[str, ...] = ()) -> Answer:
        if out_of_scope:
            return Answer(self.wording.out_of_scope, (), True, True, confidence, notes)
        if self.contact is None:
            return Answer(self.wording.abstention_no_contact, (), True, False, confidence, notes)
        email = EMAIL_RE.search(self.contact.text)
        text = self.wording.abstention.format(email=email.group(0) if email else "")
        citation = cite(self.policy, self.contact.clause, self.contact.start, self.contact.end)
        return Answer(text, (citation,), True, False, confidence, notes)

    def _closest(
        self, question: str, candidates: list[Candidate], confidence: float, signals: Signals
    ) -> Answer:
        """The best passage, offered as the closest the policy comes, not as the answer.
        Colloquial questions the policy does answer often land here ("how did u get my
        phone number"), and so do near misses it does not ("Who is your DPO?")."""
        numbering = Numbering()
        statements = [self._statement(candidates[0], candidates)]
        passage = " ".join(self._render(s, numbering) for s in statements)
        notes = ("closest passage", f"signals {signals}")
        if self.contact is None:
            text = self.wording.closest_no_contact.format(passage=passage)
            return Answer(text, tuple(numbering.citations), True, False, confidence, notes, True)
        email = EMAIL_RE.search(self.contact.text)
        marker = numbering.marker(self.policy, self.contact)
        text = self.wording.closest.format(
            passage=passage, email=email.group(0) if email else "", marker=marker
        )
        return Answer(text, tuple(numbering.citations), True, False, confidence, notes, True)

    def _contact_span(self) -> Span | None:
        """The policy sentence that says where to send questions: it has an e-mail address
        and the most contact cue words ("questions", "comments", ...)."""
        cues = set(stem([w.lower() for w in self.wording.contact_cues]))
        best: tuple[int, int, Span] | None = None
        for clause in self.policy.clauses:
            for start, end in iter_sentences(clause.text):
                sentence = clause.text[start:end]
                if not EMAIL_RE.search(sentence):
                    continue
                score = len(cues & set(stem(words(sentence))))
                key = (score, -clause.position)
                if best is None or key > best[:2]:
                    best = (*key, Span(clause, start, end))
        return best[2] if best else None


def _fresh_first(candidates: list[Candidate], just_read: JustRead) -> list[Candidate]:
    """The candidates with the best one the user has not just read first. A follow-up
    ("which ones?", "and if he already signed up?") wants more than the statement the
    answer before it opened with: on the dev follow-ups (batches 4-8, each left out of
    the question bank) opening with it again was wrong 17 times in 30, and opening with
    the best other sentence put the gold first in 32 of 57 elliptical follow-ups, not 27
    (in the top 3: 46, not 42; topic-changing ones unchanged). It may still follow."""
    if just_read is None or not candidates:
        return candidates
    start, end = just_read

    def read(candidate: Candidate) -> bool:
        offset = candidate.clause.start
        return offset + candidate.start < end and start < offset + candidate.end

    if not read(candidates[0]):
        return candidates
    fresh = next((c for c in candidates if not read(c)), None)
    return candidates if fresh is None else [fresh, *(c for c in candidates if c is not fresh)]


def _states_consequence(sentence: str) -> bool:
    """A lead-in that opens with a condition ("If you ...:") states what follows from it."""
    return bool(CONDITIONAL_RE.match(sentence))


def _heading_like(text: str) -> bool:
    """A lead-in that titles its items ("Business Transitions:") rather than opening a
    sentence they complete ("In most cases, processing is justified based on:")."""
    tokens = text.rstrip(":").split()
    return all(t[:1].isupper() or t.lower() in ("and", "or", "of", "with", "for") for t in tokens)


def _names(question: str, company: str) -> list[str]:
    """Names and acronyms in a question ("Facebook", "HIPAA"): capitalised words that do
    not start one of its sentences, other than the company's own name. Only these are
    worth saying the policy does not mention; an ordinary unknown word ("compliant") is
    usually just phrased differently."""
    own = {"I", *company.split()}
    names = []
    for sentence in question_sentences(question):
        tokens = re.findall(r"[A-Za-z][\w-]*", sentence)
        names += [t for t in tokens[1:] if t[0].isupper() and t not in own]
    return list(dict.fromkeys(names))


def _cryptic(text: str) -> bool:
    """A list item that cannot be read alone: very short, or opening with a word that
    points back at its lead-in ("This applies even if ...")."""
    words_ = text.split()
    return len(words_) <= CRYPTIC_WORDS or (bool(words_) and words_[0] in ANAPHORS)


def _banked_items(item: Clause, siblings: Sequence[Clause], matches: BankMatches) -> list[Clause]:
    """The other items of ``item``'s list that the nearest banked paraphrase answered with
    ``item`` named (`BankMatches.paraphrases`): the question asks for the list, not for
    one item of it. "What do you use my data for?" was answered with one item under its
    lead-in once "what do u actually use my data for" (blind batch 16, seven items) joined
    the bank: as the items all have the same support, the selector's shares leave the
    others far behind the best."""
    named = next((m.clause_ids for m in matches.paraphrases() if item.id in m.clause_ids), ())
    return [c for c in siblings if c.id != item.id and c.id in named]


def _reads_as_list(items: list[Clause]) -> bool:
    """Labelled items ("Access: ...") or mostly short ones ("Prevent fraud.") make a
    readable comma list; items that are sentences of their own do not."""
    short = [c for c in items if LABEL_RE.match(c.text) or len(c.text.split()) <= CRYPTIC_WORDS]
    return len(short) * 2 >= len(items)
