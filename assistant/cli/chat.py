"""`ask`, `chat` (interactive or `--jsonl`) and `draft`: the chat contract on the command line.

stdout carries only replies (one JSON object per line with --jsonl, flushed after each);
every diagnostic goes to stderr, so harnesses can pipe stdout straight into a parser.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from typing import Any, TextIO

from assistant.contract import ErrorInfo, Reply


def register(subparsers: Any) -> None:
    ask = subparsers.add_parser("ask", help="ask one question about the privacy policy")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the reply object as JSON")
    ask.set_defaults(handler=run_ask)

    chat = subparsers.add_parser("chat", help="chat interactively, or JSON lines with --jsonl")
    chat.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"session": "...", "message": "..."} per stdin line, write one reply per line',
    )
    chat.set_defaults(handler=run_chat)

    draft = subparsers.add_parser("draft", help="draft a support reply to a customer email (stdin)")
    draft.add_argument("--json", action="store_true")
    draft.set_defaults(handler=run_draft)


def _assistant() -> Any:
    from assistant.session import Assistant

    return Assistant.from_settings()


def run_ask(args: argparse.Namespace) -> int:
    reply = _assistant().respond(f"cli-{uuid.uuid4().hex}", args.question)
    if args.json:
        print(reply.model_dump_json())
    else:
        print(format_reply(reply))
    return 0 if reply.error is None else 1


def format_reply(reply: Reply) -> str:
    lines = [reply.reply]
    if reply.citations:
        lines.append("")
        lines.append("Sources:")
        for number, citation in enumerate(reply.citations, start=1):
            lines.append(
                f"  [{number}] {citation.section} ({citation.clause_id}): {citation.quote}"
            )
    return "\n".join(lines)


def run_chat(args: argparse.Namespace) -> int:
    assistant = _assistant()
    if args.jsonl:
        # One undecodable byte must cost one line, not the stream (locales decode strictly).
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
        return serve_jsonl(assistant, sys.stdin, sys.stdout)
    session = f"cli-{uuid.uuid4().hex}"
    print("Ask about the WorkAllies privacy policy (Ctrl-D to quit).", file=sys.stderr)
    for line in sys.stdin:
        print(format_reply(assistant.respond(session, line)), flush=True)
    return 0


def serve_jsonl(assistant: Any, stdin: TextIO, stdout: TextIO) -> int:
    """One reply per input line, in order. A bad line gets an error reply; the loop goes on."""
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        reply = _reply_for_line(assistant, line, number)
        stdout.write(reply.model_dump_json() + "\n")
        stdout.flush()
    return 0


def _reply_for_line(assistant: Any, line: str, number: int) -> Reply:
    try:
        request = json.loads(line)
    except json.JSONDecodeError as exc:
        return _line_error("", "invalid_json", f"line {number} is not valid JSON: {exc.msg}")
    except RecursionError:  # json.loads recurses per nesting level: "[[[[…" is hostile input
        return _line_error("", "invalid_json", f"line {number} is nested too deeply")
    if not isinstance(request, dict):
        return _line_error("", "invalid_request", f"line {number} must be a JSON object")
    session, message = request.get("session"), request.get("message")
    unknown = sorted(set(request) - {"session", "message"})
    if unknown:
        return _line_error(
            str(session or ""), "invalid_request", f"line {number}: unknown fields {unknown}"
        )
    if not isinstance(session, str) or not isinstance(message, str):
        return _line_error(
            session if isinstance(session, str) else "",
            "invalid_request",
            f'line {number} needs string fields "session" and "message"',
        )
    try:
        reply: Reply = assistant.respond(session, message)
    except Exception as exc:  # the contract promises the process goes on to the next line
        print(f"line {number}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return _line_error(session, "internal_error", "the assistant failed on this line")
    return reply


def _line_error(session: str, code: str, message: str) -> Reply:
    return Reply(
        session=session,
        reply=message,
        intent="chitchat",
        error=ErrorInfo(code=code, message=message),
    )


def run_draft(args: argparse.Namespace) -> int:
    email = sys.stdin.read()
    try:
        draft = _assistant().draft_reply(email)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(draft.model_dump_json(indent=2))
        return 0
    print(draft.reply_text)  # ends with the numbered references
    for preview in draft.requests:
        print(f"\nTicket preview: {preview.model_dump_json()}", file=sys.stderr)
    return 0
