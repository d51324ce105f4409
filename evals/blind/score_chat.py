"""Score a blind answer batch end to end through Assistant.respond (the chat path users meet).

Usage: .venv/bin/python evals/blind/score_chat.py <batch.yaml> <out.json>
Prints aggregate metrics only; per-case details go to <out.json>.
"""

from __future__ import annotations

import json
import sys
import tempfile
import uuid
from pathlib import Path

import yaml

from assistant.answering.citations import reading_units
from assistant.config import Settings
from assistant.policy import phrase_spans
from assistant.session import Assistant

KINDS = ("answerable", "followup", "unanswerable", "smalltalk")
LEADS = {"qualified_yes": "In some cases, yes.", "yes": "Yes.", "no": "No."}


def lead_of(text: str) -> str | None:
    for name, lead in sorted(LEADS.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(lead):
            return "no" if name == "no" else "yes"
    return None


def overlaps(start: int, end: int, gold: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in gold)


def main() -> None:  # noqa: C901 (one flat pass over the four kinds of case)
    batch = yaml.safe_load(Path(sys.argv[1]).read_text())
    out_path = Path(sys.argv[2])
    data_dir = Path(tempfile.mkdtemp(prefix="blind4-"))
    # a labelled file is scored with its own questions left out of the question bank
    settings = Settings(
        data_dir=data_dir, question_bank_exclude=frozenset({Path(sys.argv[1]).name})
    )
    assistant = Assistant.from_settings(settings)
    policy = assistant.policy
    text = policy.text
    rows = []

    def ask(history: list[str], question: str):
        sid = "b4-" + uuid.uuid4().hex[:12]
        for h in history:
            assistant.respond(sid, h)
        return assistant.respond(sid, question)

    def rank(reply, gold, strict: bool = False) -> int | None:
        """Position of the first statement quoting gold: a list's lead-in and its items
        are one statement (``strict``: of the first citation quoting gold)."""
        if reply.abstained:
            return None
        units = [[c] for c in reply.citations] if strict else reading_units(reply.citations, policy)
        for i, unit in enumerate(units, 1):
            if any(overlaps(c.start, c.end, gold) for c in unit):
                return i
        return None

    def verbatim(reply) -> bool:
        return all(text[c.start : c.end] == c.quote for c in reply.citations)

    def retr_rank(question: str, gold) -> int | None:
        for i, hit in enumerate(assistant.retriever.search(question, 5), 1):
            if overlaps(hit.clause.start, hit.clause.end, gold):
                return i
        return None

    for case in batch["answerable"]:
        gold = phrase_spans(text, case["gold"])
        reply = ask([], case["question"])
        rows.append(
            dict(
                kind="answerable",
                id=case["id"],
                q=case["question"],
                rank=rank(reply, gold),
                rank_strict=rank(reply, gold, strict=True),
                retr=retr_rank(case["question"], gold),
                abstained=reply.abstained,
                closest=reply.closest_passage,
                intent=str(reply.intent),
                verbatim=verbatim(reply),
                lead_expected=case.get("lead"),
                lead_given=lead_of(reply.reply),
                reply=reply.reply,
            )
        )
    for case in batch["unanswerable"]:
        reply = ask([], case["question"])
        rows.append(
            dict(
                kind="unanswerable",
                id=case["id"],
                q=case["question"],
                abstained=reply.abstained,
                closest=reply.closest_passage,
                intent=str(reply.intent),
                verbatim=verbatim(reply),
                oos=case.get("out_of_scope", False),
                reply=reply.reply,
            )
        )
    for case in batch["followups"]:
        gold = phrase_spans(text, case["gold"])
        reply = ask(case["history"], case["question"])
        rows.append(
            dict(
                kind="followup",
                id=case["id"],
                q=case["question"],
                topic_change=case.get("topic_change", False),
                rank=rank(reply, gold),
                rank_strict=rank(reply, gold, strict=True),
                abstained=reply.abstained,
                closest=reply.closest_passage,
                intent=str(reply.intent),
                verbatim=verbatim(reply),
                reply=reply.reply,
            )
        )
    for case in batch["smalltalk"]:
        reply = ask([], case["question"])
        rows.append(
            dict(
                kind="smalltalk",
                id=case["id"],
                q=case["question"],
                intent=str(reply.intent),
                abstained=reply.abstained,
                verbatim=verbatim(reply),
                reply=reply.reply,
            )
        )

    out_path.write_text(json.dumps(rows, indent=1))
    print(json.dumps(summarise(rows), indent=1))


def share(xs: list[bool]) -> float:
    return round(sum(xs) / len(xs), 3) if xs else float("nan")


def top3(rank: int | None) -> bool:
    return rank is not None and rank <= 3


def declined(row: dict) -> bool:
    return row["abstained"] or row["intent"] in ("out_of_scope", "chitchat")


def summarise(rows: list[dict]) -> dict:
    kinds = {k: [r for r in rows if r["kind"] == k] for k in KINDS}
    ans, fol, una, small = (kinds[k] for k in KINDS)
    answered = ans + fol
    leads = [r for r in ans if r["lead_expected"]]
    given = [r for r in leads if r["lead_given"] is not None]
    return {
        "n": {k: len(v) for k, v in kinds.items()},
        "gold_first (answerable+followups)": share([r["rank"] == 1 for r in answered]),
        "gold_top3 (answerable+followups)": share([top3(r["rank"]) for r in answered]),
        "gold_first strict, first citation (answerable+followups)": share(
            [r.get("rank_strict", r["rank"]) == 1 for r in answered]
        ),
        "gold_first (answerable)": share([r["rank"] == 1 for r in ans]),
        "gold_top3 (answerable)": share([top3(r["rank"]) for r in ans]),
        "retriever R@1 (answerable)": share([r["retr"] == 1 for r in ans]),
        "retriever R@3 (answerable)": share([top3(r["retr"]) for r in ans]),
        "wrong_abstention (answerable+followups)": share([r["abstained"] for r in answered]),
        "wrong_abstention flat (not closest passage)": share(
            [r["abstained"] and not r["closest"] for r in answered]
        ),
        "uncovered declined": share([declined(r) for r in una]),
        "uncovered declined flat or oos (no closest)": share(
            [declined(r) and not r["closest"] for r in una]
        ),
        "leads right": sum(r["lead_given"] == r["lead_expected"] for r in given),
        "leads wrong": sum(r["lead_given"] != r["lead_expected"] for r in given),
        "leads expected": len(leads),
        "leads given where none expected": sum(
            r["lead_given"] is not None for r in ans if not r["lead_expected"]
        ),
        "topic_change followups top3": share([top3(r["rank"]) for r in fol if r["topic_change"]]),
        "elliptical followups top3": share([top3(r["rank"]) for r in fol if not r["topic_change"]]),
        "smalltalk as chitchat": share([r["intent"] == "chitchat" for r in small]),
        "smalltalk not 'not covered'": share([not r["abstained"] for r in small]),
        "verbatim": share([r["verbatim"] for r in rows]),
    }


if __name__ == "__main__":
    main()
