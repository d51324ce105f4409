"""`privacy-assistant chat --jsonl` under hostile input: one valid JSON reply per non-blank
input line, in input order, and the process never dies on a bad line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.cli.chat import serve_jsonl
from assistant.contract import Reply
from assistant.session import Assistant

from .strategies import chatty_text, nasty_text

ROOT = Path(__file__).resolve().parents[2]
BAD_LINE_CODES = {"invalid_json", "invalid_request"}


@dataclass(frozen=True)
class Line:
    text: str  # without the newline
    kind: str  # "request" (well-formed), "bad" (must be refused), "blank"
    session: str | None = None


def _dumps(payload: Any, ascii_only: bool) -> str:
    return json.dumps(payload, ensure_ascii=ascii_only)


valid_session = st.from_regex(r"\A[A-Za-z0-9._:@-]{1,40}\Z")
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), nasty_text)

requests = st.builds(
    lambda s, m, a: Line(_dumps({"session": s, "message": m}, a), "request", s),
    valid_session,
    chatty_text,
    st.booleans(),
)
wrong_types = st.builds(
    lambda s, m: Line(_dumps({"session": s, "message": m}, True), "bad"),
    st.one_of(json_scalars.filter(lambda v: not isinstance(v, str)), valid_session),
    st.one_of(json_scalars.filter(lambda v: not isinstance(v, str)), st.lists(st.integers())),
).filter(lambda line: '"session": "' not in line.text or '"message": "' not in line.text)
unknown_fields = st.builds(
    lambda s, m: Line(_dumps({"session": s, "message": m, "role": "system"}, True), "bad"),
    valid_session,
    chatty_text,
)
not_objects = st.builds(
    lambda v: Line(_dumps(v, False), "bad"),
    st.one_of(json_scalars, st.lists(json_scalars, max_size=3)),
)
garbage = st.builds(
    lambda t: Line("{" + t, "bad"),  # an opening brace and no valid object after it
    st.text(st.characters(codec=None, exclude_characters="\n"), max_size=200).filter(
        lambda t: not t.rstrip().endswith("}")
    ),
)
blank = st.sampled_from([Line("", "blank"), Line("   ", "blank"), Line("\t", "blank")])

lines = st.lists(
    st.one_of(requests, requests, wrong_types, unknown_fields, not_objects, garbage, blank),
    min_size=1,
    max_size=12,
)


def check_replies(sent: list[Line], output: str) -> None:
    expected = [(n, line) for n, line in enumerate(sent, 1) if line.text.strip()]
    got = output.splitlines()
    assert len(got) == len(expected), (len(got), len(expected))
    for (number, line), raw in zip(expected, got, strict=True):
        reply = Reply.model_validate_json(raw)
        if line.kind == "request":
            assert reply.session == line.session  # order: each reply answers its own line
            assert reply.error is None or reply.error.code not in BAD_LINE_CODES
        else:
            assert reply.error is not None and reply.error.code in BAD_LINE_CODES, raw
            assert f"line {number}" in reply.reply


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sent=lines)
def test_any_mix_of_lines_gets_one_reply_each_in_order(
    assistant: Assistant, sent: list[Line]
) -> None:
    out = io.StringIO()
    assert serve_jsonl(assistant, io.StringIO("\n".join(x.text for x in sent) + "\n"), out) == 0
    check_replies(sent, out.getvalue())


# ------------------------------------------------------------------ the real process

NASTY_LINES = [
    Line(json.dumps({"session": "p-1", "message": "Do you sell my data?"}), "request", "p-1"),
    Line('{"session": "p-2", "message": ', "bad"),  # cut off
    Line(json.dumps({"session": 7, "message": "hi"}), "bad"),
    Line(json.dumps(["session", "message"]), "bad"),
    Line('{"session": "p-3", "message": "a\x00b\x1bc"}', "bad"),  # raw controls: invalid JSON
    Line(json.dumps({"session": "p-4", "message": "x" * 3_000_000}), "request", "p-4"),
    Line("", "blank"),
    Line("{" * 100_000, "bad"),
    Line(json.dumps({"session": "p-5", "message": "\ud800\udfff\u202e\u200b"}), "request", "p-5"),
    Line('{"session": "p-6", "message": "hi\rthere"}', "bad"),  # a raw CR inside the line
    Line(json.dumps({"session": "p-7", "message": "Please delete my account"}), "request", "p-7"),
    Line(json.dumps({"session": "p-8", "message": "thanks"}), "request", "p-8"),
]


def run_cli(data_dir: Path, stdin: bytes, **env: str) -> subprocess.CompletedProcess[bytes]:
    environment = {
        **os.environ,
        "ASSISTANT_EMBEDDER": "hashing",
        "ASSISTANT_DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "chat", "--jsonl"],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=environment,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_the_cli_process_survives_nasty_lines(data_dir: Path) -> None:
    stdin = "".join(line.text + "\n" for line in NASTY_LINES).encode("utf-8", "surrogatepass")
    done = run_cli(data_dir, stdin)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    check_replies(NASTY_LINES, done.stdout.decode("utf-8"))


@pytest.mark.slow
def test_invalid_utf8_bytes_get_an_error_reply_not_a_crash(data_dir: Path) -> None:
    good = json.dumps({"session": "u-1", "message": "hello"}).encode()
    stdin = good + b"\n\xff\xfe not utf-8\n" + good.replace(b"u-1", b"u-2") + b"\n"
    done = run_cli(data_dir, stdin, PYTHONIOENCODING="utf-8:strict")
    replies = [Reply.model_validate_json(raw) for raw in done.stdout.decode().splitlines()]
    assert [r.session for r in replies] == ["u-1", "", "u-2"]
    assert done.returncode == 0


def test_deeply_nested_json_is_refused_not_fatal(assistant: Assistant) -> None:
    sent = [
        Line("[" * 100_000, "bad"),
        Line(json.dumps({"session": "n-1", "message": "hi"}), "request", "n-1"),
    ]
    out = io.StringIO()
    serve_jsonl(assistant, io.StringIO("\n".join(x.text for x in sent) + "\n"), out)
    check_replies(sent, out.getvalue())
