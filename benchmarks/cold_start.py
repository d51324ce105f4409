"""Cold start: a new Python process, from exec to its first answer.

Two cases: a restart (the data directory already holds the ingested policy, the usual
deploy) and a first start (empty data directory: the policy is ingested first). The
child reports its own phases; the parent times the whole thing, interpreter start included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT

CHILD = textwrap.dedent(
    """
    import json, sys, time
    t0 = time.perf_counter()
    from assistant.config import Settings
    from assistant.session import Assistant
    t1 = time.perf_counter()
    assistant = Assistant.from_settings(Settings(data_dir=sys.argv[1]))
    t2 = time.perf_counter()
    reply = assistant.respond("cold-start", sys.argv[2])
    t3 = time.perf_counter()
    print(json.dumps({"imports": t1 - t0, "from_settings": t2 - t1, "first_respond": t3 - t2,
                      "abstained": reply.abstained, "error": reply.error is not None}))
    """
)

QUESTION = "How long do you keep my personal information?"


def _one(data_dir: Path) -> dict[str, Any]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.setdefault("ANONYMIZED_TELEMETRY", "False")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(data_dir), QUESTION],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    total = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold-start child failed:\n{done.stderr[-2000:]}")
    phases = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "total_seconds": round(total, 3),
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in phases.items()},
    }


def run(rounds: int = 2) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        data_dir = Path(tmp)
        first = _one(data_dir)  # empty directory: ingests the policy
        restarts = [_one(data_dir) for _ in range(rounds)]
    best = min(restarts, key=lambda r: r["total_seconds"])
    return {"first_start": first, "restart": best, "restart_runs": restarts}
