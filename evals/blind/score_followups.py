"""Score the follow-up cases of answer files end to end through Assistant.respond.

Usage: .venv/bin/python evals/blind/score_followups.py <out.json> <answers.yaml>...
Every file's ``followups:`` section (history, question, gold, topic_change) is replayed in a
fresh session; prints, per file and over all, the share of elliptical and topic-changing
follow-ups whose reply cites the gold clause in its top 3 (and first). Per-case replies go
to <out.json>. A dev measurement: the committed batches are spent, not blind.
"""

from __future__ import annotations

import json
import sys
import tempfile
import uuid
from pathlib import Path

import yaml

from assistant.config import Settings
from assistant.policy import phrase_spans
from assistant.session import Assistant


def overlaps(start: int, end: int, gold: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in gold)


def share(xs: list[bool]) -> str:
    return f"{sum(xs)}/{len(xs)} = {sum(xs) / len(xs):.2f}" if xs else "-"


def main() -> None:
    out_path, files = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
    assistant = Assistant.from_settings(Settings(data_dir=Path(tempfile.mkdtemp(prefix="fu-"))))
    text = assistant.policy.text
    rows = []
    for path in files:
        for case in yaml.safe_load(path.read_text()).get("followups") or []:
            sid = "fu-" + uuid.uuid4().hex[:12]
            for turn in case["history"]:
                assistant.respond(sid, turn)
            reply = assistant.respond(sid, case["question"])
            gold = phrase_spans(text, case["gold"])
            ranks = [i for i, c in enumerate(reply.citations, 1) if overlaps(c.start, c.end, gold)]
            rank = None if reply.abstained or not ranks else ranks[0]
            rows.append(
                dict(
                    file=path.name,
                    id=case["id"],
                    history=case["history"],
                    q=case["question"],
                    topic_change=case.get("topic_change", False),
                    rank=rank,
                    abstained=reply.abstained,
                    reply=reply.reply,
                )
            )
    out_path.write_text(json.dumps(rows, indent=1))
    for name in [*(p.name for p in files), "ALL"]:
        mine = [r for r in rows if name in ("ALL", r["file"])]
        for change in (False, True):
            group = [r for r in mine if r["topic_change"] == change]
            if not group:
                continue
            kind = "topic_change" if change else "elliptical"
            top3 = share([r["rank"] is not None and r["rank"] <= 3 for r in group])
            first = share([r["rank"] == 1 for r in group])
            print(f"{name:24} {kind:12} top3 {top3:14} first {first}")


if __name__ == "__main__":
    main()
