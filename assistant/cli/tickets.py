"""`tickets list · show · update · export · deliver · schema`: the DSR team's command line.

Data goes to stdout (tables, JSON, exports); errors go to stderr with exit code 2 for
anything the user can fix (unknown id, refused status change, missing configuration).
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from assistant.config import PROJECT_ROOT, Settings
from assistant.ticket_store import TicketStore
from assistant.tickets import (
    DsrTicket,
    RequestType,
    TicketError,
    TicketStatus,
    ticket_json_schema,
    utcnow,
)

SCHEMA_PATH = PROJECT_ROOT / "evals" / "schemas" / "dsr-ticket.schema.json"
PAGE = 500
USAGE_ERROR = 2

STATUSES = [s.value for s in TicketStatus]
TYPES = [t.value for t in RequestType]


def register(subparsers: Any) -> None:
    tickets = subparsers.add_parser(
        "tickets", help="list, inspect, update, export and deliver DSR tickets"
    )
    commands = tickets.add_subparsers(dest="tickets_command", required=True, metavar="ACTION")

    listing = commands.add_parser("list", help="tickets, most urgent first")
    _add_filters(listing)
    listing.add_argument(
        "--overdue", action="store_true", help="only open tickets past their due date"
    )
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true", help="a JSON array of tickets")
    listing.set_defaults(handler=run_list)

    show = commands.add_parser("show", help="one ticket with its audit trail and delivery attempts")
    show.add_argument("ticket_id", metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)

    change = commands.add_parser("update", help="move a ticket to a new status (audited)")
    change.add_argument("ticket_id", metavar="ID")
    change.add_argument("--status", required=True, choices=STATUSES)
    change.add_argument("--note", help="why (stored redacted in the audit trail)")
    change.add_argument("--actor", default=None, help="who (default: cli:<login name>)")
    change.set_defaults(handler=run_update)

    export = commands.add_parser("export", help="every ticket as jsonl, Fides payloads or CSV")
    export.add_argument("--format", required=True, choices=["jsonl", "fides", "csv"])
    export.add_argument("--output", type=Path, help="file to write (default: stdout)")
    _add_filters(export)
    export.set_defaults(handler=run_export)

    deliver = commands.add_parser("deliver", help="send queued tickets to the DSR backend")
    deliver.add_argument("--once", action="store_true", help="one pass over due tickets, then exit")
    deliver.set_defaults(handler=run_deliver)

    schema = commands.add_parser("schema", help="the DsrTicket JSON schema (evals/schemas/)")
    mode = schema.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help=f"rewrite {SCHEMA_PATH.name}")
    mode.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    schema.set_defaults(handler=run_schema)


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=STATUSES)
    parser.add_argument("--type", dest="request_type", choices=TYPES)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return USAGE_ERROR


@contextmanager
def _store() -> Iterator[TicketStore]:
    store = TicketStore.from_settings(Settings())
    try:
        yield store
    finally:
        store.close()


# --- list / show --------------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    with _store() as store:
        found = store.list(
            status=args.status,
            request_type=args.request_type,
            overdue=True if args.overdue else None,
            limit=args.limit,
        )
    if args.json:
        print(json.dumps([t.model_dump(mode="json") for t in found], indent=2))
        return 0
    if not found:
        print("no tickets", file=sys.stderr)
        return 0
    now = utcnow()
    print(f"{'ID':<18}  {'TYPE':<19}  {'STATUS':<11}  {'DUE (UTC)':<16}  {'DELIVERY':<15}  EMAIL")
    for t in found:
        late = "  OVERDUE" if t.is_overdue(now) else ""
        print(
            f"{t.id:<18}  {t.request_type:<19}  {t.status:<11}  {t.due_at:%Y-%m-%d %H:%M}  "
            f"{t.delivery.state:<15}  {t.identity.email}{late}"
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    with _store() as store:
        ticket = store.get(args.ticket_id)
        if ticket is None:
            return _fail(f"no ticket {args.ticket_id}")
        attempts = store.delivery_attempts(ticket.id)
    if args.json:
        print(ticket.model_dump_json(indent=2))
        return 0
    print(describe(ticket))
    for a in attempts:
        code = a.status_code if a.status_code is not None else "-"
        print(f"  attempt {a.attempt} {a.at:%Y-%m-%d %H:%M:%S} {a.outcome} {code} {a.error or ''}")
    return 0


def describe(ticket: DsrTicket) -> str:
    identity = ticket.identity
    lines = [
        f"{ticket.id}  {ticket.request_type}  {ticket.status}",
        f"  requester: {identity.email}"
        + (f"  username: {identity.username}" if identity.username else "")
        + (f"  phone: {identity.phone}" if identity.phone else ""),
        f"  role: {ticket.requester_role}  minor: {'yes' if ticket.subject_is_minor else 'no'}"
        + (f"  child account: {ticket.child_account}" if ticket.child_account else ""),
        f"  received: {ticket.received_at:%Y-%m-%d %H:%M} UTC"
        f"  due: {ticket.due_at:%Y-%m-%d %H:%M} UTC" + ("  OVERDUE" if ticket.is_overdue() else ""),
        f"  legal basis: {', '.join(ticket.legal_basis)}",
        f"  identity check: {'required' if ticket.verification.required else 'not required'}"
        f" ({ticket.verification.status})",
        f"  channel: {ticket.channel}  session: {ticket.session_id}",
    ]
    if ticket.details:
        lines.append(f"  details: {ticket.details}")
    lines.extend(f"  correction: {c.what} -> {c.correct_value}" for c in ticket.corrections)
    if ticket.cited_clause_ids:
        lines.append(f"  cited clauses: {', '.join(ticket.cited_clause_ids)}")
    lines.append("  audit:")
    for entry in ticket.audit:
        origin = entry.from_status or "-"
        note = f"  {entry.note}" if entry.note else ""
        lines.append(
            f"    {entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor}: {origin} -> {entry.to_status}{note}"
        )
    d = ticket.delivery
    lines.append(
        f"  delivery: {d.state}, {d.attempts} attempt(s)"
        + (f", last error: {d.last_error}" if d.last_error else "")
    )
    return "\n".join(lines)


# --- update -------------------------------------------------------------------------------


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        return "cli"


def run_update(args: argparse.Namespace) -> int:
    actor = args.actor or _default_actor()
    with _store() as store:
        try:
            after = store.update_status(args.ticket_id, args.status, actor=actor, note=args.note)
        except TicketError as exc:
            return _fail(str(exc))
    print(f"{after.id}: {after.audit[-1].from_status} -> {after.status}")
    return 0


# --- export -------------------------------------------------------------------------------


def _all_tickets(store: TicketStore, args: argparse.Namespace) -> Iterator[DsrTicket]:
    offset = 0
    while True:
        page = store.list(
            status=args.status, request_type=args.request_type, limit=PAGE, offset=offset
        )
        yield from page
        if len(page) < PAGE:
            return
        offset += PAGE


CSV_COLUMNS = (
    "id", "request_type", "status", "email", "username", "phone", "requester_role",
    "subject_is_minor", "child_account", "received_at", "due_at", "overdue",
    "verification_required", "verification_status", "legal_basis", "cited_clause_ids",
    "details", "corrections", "channel", "session_id", "delivery_state", "delivery_attempts",
)  # fmt: skip


def _csv_cell(value: Any) -> str:
    """Text starting with = + - @ is a formula to a spreadsheet: defuse it (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_row(ticket: DsrTicket) -> list[str]:
    values = {
        "id": ticket.id,
        "request_type": ticket.request_type.value,
        "status": ticket.status.value,
        "email": ticket.identity.email,
        "username": ticket.identity.username,
        "phone": ticket.identity.phone,
        "requester_role": ticket.requester_role.value,
        "subject_is_minor": ticket.subject_is_minor,
        "child_account": ticket.child_account,
        "received_at": ticket.received_at.isoformat(),
        "due_at": ticket.due_at.isoformat(),
        "overdue": ticket.is_overdue(),
        "verification_required": ticket.verification.required,
        "verification_status": ticket.verification.status.value,
        "legal_basis": "; ".join(ticket.legal_basis),
        "cited_clause_ids": "; ".join(ticket.cited_clause_ids),
        "details": ticket.details,
        "corrections": "; ".join(f"{c.what} -> {c.correct_value}" for c in ticket.corrections),
        "channel": ticket.channel.value,
        "session_id": ticket.session_id,
        "delivery_state": ticket.delivery.state.value,
        "delivery_attempts": ticket.delivery.attempts,
    }
    return [_csv_cell(values[column]) for column in CSV_COLUMNS]


def _write_export(fmt: str, tickets: Iterator[DsrTicket], out: TextIO) -> int:
    from assistant.delivery import fides_payload

    written = 0

    def counted() -> Iterator[DsrTicket]:  # streams: exports never hold every ticket
        nonlocal written
        for ticket in tickets:
            written += 1
            yield ticket

    if fmt == "jsonl":
        out.writelines(ticket.model_dump_json() + "\n" for ticket in counted())
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(csv_row(ticket) for ticket in counted())
    else:  # fides: one object, route -> the bodies to POST there
        routes: dict[str, list[Any]] = {}
        for ticket in counted():
            route, body = fides_payload(ticket)
            bucket = routes.setdefault(route, [])
            if isinstance(body, list):  # the privacy-request route takes a list already
                bucket.extend(body)
            else:
                bucket.append(body)
        out.write(json.dumps(routes, indent=2) + "\n")
    return written


def run_export(args: argparse.Namespace) -> int:
    with _store() as store:
        tickets = _all_tickets(store, args)
        if args.output is None:
            count = _write_export(args.format, tickets, sys.stdout)
        else:
            with args.output.open("w", encoding="utf-8", newline="") as out:
                count = _write_export(args.format, tickets, out)
    print(f"exported {count} ticket(s)", file=sys.stderr)
    return 0


# --- deliver ------------------------------------------------------------------------------


def run_deliver(args: argparse.Namespace) -> int:
    from assistant.delivery import DeliveryConfigError, OutboxWorker, build_sender

    settings = Settings()
    try:
        sender = build_sender(settings)
    except DeliveryConfigError as exc:
        return _fail(str(exc))
    if sender is None:
        return _fail(
            "no DSR backend configured: set ASSISTANT_WEBHOOK_URL and ASSISTANT_WEBHOOK_SECRET, "
            "or ASSISTANT_FIDES_URL and ASSISTANT_FIDES_TOKEN"
        )
    with _store() as store:
        worker = OutboxWorker.from_settings(store, sender, settings)
        if args.once:
            report = worker.run_once()
            print(
                f"delivered {report.delivered}, retrying {report.retrying}, failed {report.failed}",
                file=sys.stderr,
            )
            return 0 if report.retrying == report.failed == 0 else 1
        stop = threading.Event()
        print(f"delivering to {sender.name} (Ctrl-C to stop)", file=sys.stderr)
        try:
            worker.run_forever(stop)
        except KeyboardInterrupt:
            stop.set()
    return 0


# --- schema -------------------------------------------------------------------------------


def run_schema(args: argparse.Namespace) -> int:
    current = ticket_json_schema()
    if args.write:
        SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_PATH.write_text(current, encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}", file=sys.stderr)
        return 0
    if args.check:
        on_disk = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if on_disk != current:
            print(
                f"{SCHEMA_PATH} is stale: run `privacy-assistant tickets schema --write`",
                file=sys.stderr,
            )
            return 1
        return 0
    sys.stdout.write(current)
    return 0
