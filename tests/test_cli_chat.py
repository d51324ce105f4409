"""`chat --jsonl` and `ask`: the contract over stdin/stdout."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

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


# Answers for whatever the contract says is missing: the test follows `request.missing`,
# so it exercises the flow as a client would, without knowing the flow's internals.
SLOT_ANSWERS = {
    "email": "{session}@example.com",
    "requester_role": "I am her parent",
    "child_account": "skip",
    "correction_what": "my last name",
    "correction_value": "Smith",
    "objection_grounds": "profiling for targeted advertising",
}

OPENERS = {
    "access": "I want a copy of all the personal data you hold about me",
    "portability": "Please send me my data in a machine-readable format so I can move it",
    "rectification": "My last name is misspelled on my profile, please correct it",
    "erasure": "Please delete my account and all my data",
    "restriction": "Please restrict the processing of my data while you check its accuracy",
    "objection": "I object to you profiling me",
    "marketing_opt_out": "unsubscribe me from your newsletters",
    "consent_withdrawal": "I withdraw my consent to the processing of my data",
    "minor_data_deletion": "My 15 year old daughter made an account, please delete her data",
}


@pytest.mark.slow
def test_every_request_type_is_filed_through_the_jsonl_process(tmp_path) -> None:
    """Issue 4's acceptance: from the contract alone, first message to a filed ticket."""
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "chat", "--jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )

    def send(session: str, message: str) -> dict:
        assert process.stdin and process.stdout
        process.stdin.write(json.dumps({"session": session, "message": message}) + "\n")
        process.stdin.flush()
        return json.loads(process.stdout.readline())

    try:
        for expected_type, opener in OPENERS.items():
            session = f"type-{expected_type}"
            reply = send(session, opener)
            for _ in range(6):
                request = reply["request"]
                assert request is not None, (expected_type, reply["reply"])
                if request["status"] != "needs_info":
                    break
                answer = SLOT_ANSWERS[request["missing"][0]].format(session=session)
                reply = send(session, answer)
            assert reply["request"]["status"] == "awaiting_confirmation", reply["reply"]
            filed = send(session, "yes")
            assert filed["ticket"] is not None, filed["reply"]
            assert filed["ticket"]["request_type"] == expected_type
            assert filed["ticket"]["email"] == f"{session}@example.com"
    finally:
        assert process.stdin
        process.stdin.close()
        process.wait(timeout=60)
    assert process.returncode == 0
