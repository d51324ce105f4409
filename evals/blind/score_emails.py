"""Score the blind customer emails through Assistant.draft_reply (the agent console's path).
Usage: .venv/bin/python evals/blind/score_emails.py <batch.yaml> <out.json>
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

from assistant.config import Settings
from assistant.policy import phrase_spans
from assistant.session import Assistant


def detected_types(draft):
    reqs = getattr(draft, "requests", None)
    if reqs is None:
        reqs = [draft.request] if getattr(draft, "request", None) else []
    return [str(getattr(r, "request_type", r)) for r in reqs]


def main():
    batch = yaml.safe_load(Path(sys.argv[1]).read_text())
    assistant = Assistant.from_settings(Settings(data_dir=Path(tempfile.mkdtemp(prefix="emails-"))))
    text = assistant.policy.text
    rows = []
    for email in batch["emails"]:
        draft = assistant.draft_reply(email["email"])
        cites = [(c.start, c.end) for c in draft.citations]
        verbatim = all(text[c.start : c.end] == c.quote for c in draft.citations)
        qs = []
        for q in email.get("questions", []):
            if not q.get("answerable", True):
                continue
            gold = phrase_spans(text, q["gold"])
            qs.append(any(s < e2 and s2 < e for s, e in cites for s2, e2 in gold))
        expected = Counter(r["type"] for r in email.get("requests", []))
        got = Counter(detected_types(draft))
        found = sum(min(expected[t], got[t]) for t in expected)
        extra = sum(max(0, got[t] - expected[t]) for t in got)
        rows.append(
            dict(
                id=email["id"],
                tags=email.get("tags", []),
                questions_hit=qs,
                expected=sorted(expected.elements()),
                got=sorted(got.elements()),
                found=found,
                extra=extra,
                verbatim=verbatim,
                reply=draft.reply_text,
                markers_in_prose="[1]" in draft.reply_text,
            )
        )
    Path(sys.argv[2]).write_text(json.dumps(rows, indent=1))
    qs = [h for r in rows for h in r["questions_hit"]]
    n_req = sum(len(r["expected"]) for r in rows)
    no_req = [r for r in rows if not r["expected"]]
    summary = {
        "emails": len(rows),
        "answerable questions": len(qs),
        "questions answered with right clause cited": round(sum(qs) / len(qs), 3),
        "requests expected": n_req,
        "requests found with right type": round(sum(r["found"] for r in rows) / n_req, 3),
        "extra (unasked) request detections": sum(r["extra"] for r in rows),
        "emails without request": len(no_req),
        "tickets where none asked (emails)": sum(bool(r["got"]) for r in no_req),
        "verbatim": all(r["verbatim"] for r in rows),
        "drafts with [n] markers in prose": sum(r["markers_in_prose"] for r in rows),
    }
    print(json.dumps(summary, indent=1))


main()
