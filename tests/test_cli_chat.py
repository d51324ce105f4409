"""`chat --jsonl` and `ask`: the contract over stdin/stdout."""

from __future__ import annotations

import io
import json

from assistant.cli.chat import serve_jsonl
from assistant.session import Assistant


def run_lines(assistant: Assistant, lines: list[str]) -> list[dict]:
    out = io.StringIO()
    assert serve_jsonl(assistant, io.StringIO("\n".join(lines) + "\n"), out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_reply_per_line_in_order_and_bad_lines_do_not_stop_the_stream(
    fast_assistant: Assistant,
) -> None:
    replies = run_lines(
        fast_assistant,
        [
            json.dumps({"session": "j1", "message": "hello"}),
            "this is not json",
            json.dumps(["a", "list"]),
            json.dumps({"session": "j1", "message": 5}),
            json.dumps({"session": "j1", "message": "hi", "extra": True}),
            json.dumps({"session": "j1", "message": "Do you honor Do Not Track?"}),
        ],
    )
    assert len(replies) == 6
    assert replies[0]["error"] is None
    assert [r["error"]["code"] for r in replies[1:5]] == [
        "invalid_json",
        "invalid_request",
        "invalid_request",
        "invalid_request",
    ]
    assert replies[5]["error"] is None and replies[5]["session"] == "j1"


def test_jsonl_takes_a_request_to_a_filed_ticket(tmp_path) -> None:
    assistant = Assistant.for_testing(tmp_path / "data")
    messages = ["I withdraw my consent", "jo@example.com", "yes"]
    replies = run_lines(assistant, [json.dumps({"session": "w", "message": m}) for m in messages])
    assert [r["request"]["status"] for r in replies] == [
        "needs_info",
        "awaiting_confirmation",
        "filed",
    ]
    assert replies[-1]["ticket"]["request_type"] == "consent_withdrawal"
    assert replies[-1]["ticket"]["email"] == "jo@example.com"
