"""The ticket record: due dates, lifecycle, ids, validation, and the exported JSON schema."""

from __future__ import annotations

import calendar
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.tickets import (
    ALLOWED_TRANSITIONS,
    ID_ALPHABET,
    LEGAL_BASIS,
    TICKET_ID_PATTERN,
    Channel,
    Correction,
    DsrTicket,
    InvalidTransition,
    RequestType,
    TicketDraft,
    TicketStatus,
    TicketValidationError,
    VerificationStatus,
    build_ticket,
    check_transition,
    idempotency_key,
    new_ticket_id,
    one_month_after,
    ticket_json_schema,
)

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "evals" / "schemas" / "dsr-ticket.schema.json"
NOW = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)


def draft(**overrides: object) -> TicketDraft:
    values: dict[str, object] = {
        "request_id": "r-1",
        "request_type": RequestType.ERASURE,
        "email": "ada@example.com",
        "session_id": "s-1",
    }
    values.update(overrides)
    return TicketDraft(**values)  # type: ignore[arg-type]


def ticket(**overrides: object) -> DsrTicket:
    return build_ticket(draft(**overrides), NOW, new_ticket_id(NOW))


# --- due dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime(2026, 1, 31, 9, tzinfo=UTC), datetime(2026, 2, 28, 9, tzinfo=UTC)),
        (datetime(2028, 1, 31, 9, tzinfo=UTC), datetime(2028, 2, 29, 9, tzinfo=UTC)),  # leap
        (datetime(2026, 3, 31, 9, tzinfo=UTC), datetime(2026, 4, 30, 9, tzinfo=UTC)),
        (datetime(2026, 1, 15, 9, tzinfo=UTC), datetime(2026, 2, 15, 9, tzinfo=UTC)),
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), datetime(2027, 1, 31, 23, 59, tzinfo=UTC)),
        (datetime(2026, 2, 28, 9, tzinfo=UTC), datetime(2026, 3, 28, 9, tzinfo=UTC)),
    ],
)
def test_one_month_after_examples(received: datetime, due: datetime) -> None:
    assert one_month_after(received) == due


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2200, 12, 1), timezones=st.just(UTC)
)


@given(moments)
def test_due_is_next_month_same_day_or_its_last_day(received: datetime) -> None:
    due = one_month_after(received)
    expected_month = received.month % 12 + 1
    expected_year = received.year + (received.month == 12)
    last_day = calendar.monthrange(expected_year, expected_month)[1]
    assert (due.year, due.month) == (expected_year, expected_month)
    assert due.day == min(received.day, last_day)
    assert due.time() == received.time()
    assert due.tzinfo is UTC


@given(moments)
def test_due_is_between_28_and_31_days_later(received: datetime) -> None:
    gap = one_month_after(received) - received
    assert timedelta(days=28) <= gap <= timedelta(days=31)


@given(moments, moments)
def test_due_never_runs_backwards(a: datetime, b: datetime) -> None:
    early, late = sorted((a, b))
    assert one_month_after(early) <= one_month_after(late)


def test_ticket_due_at_is_one_month_after_receipt() -> None:
    assert ticket().due_at == datetime(2026, 4, 30, 23, 30, tzinfo=UTC)


def test_received_at_is_normalised_to_utc() -> None:
    local = datetime(2026, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    made = build_ticket(draft(), local, new_ticket_id(local))
    assert made.received_at == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    assert made.received_at.utcoffset() == timedelta(0)


# --- lifecycle -----------------------------------------------------------------------------


def _with(made: DsrTicket, status: TicketStatus, verified: bool = False) -> DsrTicket:
    verification = made.verification.model_copy(
        update={"status": VerificationStatus.VERIFIED if verified else made.verification.status}
    )
    return made.model_copy(update={"status": status, "verification": verification})


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (TicketStatus.RECEIVED, TicketStatus.VERIFYING),
        (TicketStatus.VERIFYING, TicketStatus.IN_PROGRESS),
        (TicketStatus.IN_PROGRESS, TicketStatus.COMPLETED),
        (TicketStatus.RECEIVED, TicketStatus.REJECTED),
        (TicketStatus.VERIFYING, TicketStatus.CANCELLED),
        (TicketStatus.IN_PROGRESS, TicketStatus.REJECTED),
    ],
)
def test_allowed_transitions_pass(start: TicketStatus, target: TicketStatus) -> None:
    check_transition(_with(ticket(), start), target)


@pytest.mark.parametrize(
    "final", [TicketStatus.COMPLETED, TicketStatus.REJECTED, TicketStatus.CANCELLED]
)
@pytest.mark.parametrize("target", list(TicketStatus))
def test_final_states_never_move(final: TicketStatus, target: TicketStatus) -> None:
    with pytest.raises(InvalidTransition, match="it is final"):
        check_transition(_with(ticket(), final), target)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (TicketStatus.RECEIVED, TicketStatus.COMPLETED),
        (TicketStatus.VERIFYING, TicketStatus.RECEIVED),
        (TicketStatus.IN_PROGRESS, TicketStatus.VERIFYING),
        (TicketStatus.RECEIVED, TicketStatus.RECEIVED),
    ],
)
def test_other_transitions_are_refused_with_the_allowed_ones(
    start: TicketStatus, target: TicketStatus
) -> None:
    with pytest.raises(InvalidTransition) as caught:
        check_transition(_with(ticket(), start), target)
    message = str(caught.value)
    assert f"from {start} to {target}" in message
    for allowed in ALLOWED_TRANSITIONS[start]:
        assert allowed in message


def test_work_cannot_start_before_the_identity_check() -> None:
    with pytest.raises(InvalidTransition, match="identity check"):
        check_transition(ticket(), TicketStatus.IN_PROGRESS)
    check_transition(
        _with(ticket(), TicketStatus.RECEIVED, verified=True), TicketStatus.IN_PROGRESS
    )


def test_marketing_opt_out_needs_no_identity_check() -> None:
    opt_out = ticket(request_type=RequestType.MARKETING_OPT_OUT)
    assert opt_out.verification.required is False
    check_transition(opt_out, TicketStatus.IN_PROGRESS)
    for kind in set(RequestType) - {RequestType.MARKETING_OPT_OUT}:
        assert ticket(request_type=kind).verification.required is True


# --- content -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "articles"),
    [
        (RequestType.ACCESS, ["GDPR Art. 15"]),
        (RequestType.RECTIFICATION, ["GDPR Art. 16"]),
        (RequestType.ERASURE, ["GDPR Art. 17"]),
        (RequestType.RESTRICTION, ["GDPR Art. 18"]),
        (RequestType.OBJECTION, ["GDPR Art. 21(1)"]),
        (RequestType.MARKETING_OPT_OUT, ["GDPR Art. 21(2)", "GDPR Art. 21(3)"]),
        (RequestType.CONSENT_WITHDRAWAL, ["GDPR Art. 7(3)"]),
        (RequestType.PORTABILITY, ["GDPR Art. 20"]),
        (RequestType.MINOR_DATA_DELETION, ["GDPR Art. 17", "GDPR Art. 8"]),
    ],
)
def test_legal_basis_by_type(kind: RequestType, articles: list[str]) -> None:
    assert ticket(request_type=kind).legal_basis == articles


def test_every_request_type_has_a_legal_basis() -> None:
    assert set(LEGAL_BASIS) == set(RequestType)


def test_ids_are_readable_and_random() -> None:
    ids = {new_ticket_id(NOW) for _ in range(2000)}
    assert len(ids) == 2000
    for ticket_id in ids:
        assert re.fullmatch(TICKET_ID_PATTERN, ticket_id)
        assert ticket_id.startswith("DSR-2026-")
    used = {char for ticket_id in ids for char in ticket_id[9:]}
    assert used == set(ID_ALPHABET)  # every symbol shows up: no hidden structure
    assert not used & set("01ILOU")


def test_idempotency_key_is_unambiguous() -> None:
    key = idempotency_key(Channel.CHAT, "s", "r")
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == idempotency_key("chat", "s", "r")
    assert key != idempotency_key(Channel.AGENT_CONSOLE, "s", "r")
    assert idempotency_key("chat", "a|b", "c") != idempotency_key("chat", "a", "b|c")


def test_email_is_normalised_to_lower_case() -> None:
    assert ticket(email="  Ada.Lovelace@Example.COM ").identity.email == "ada.lovelace@example.com"


@pytest.mark.parametrize(
    "email",
    [
        "a@b.com'; DROP TABLE tickets;--",
        "not-an-email",
        "ada@",
        "@example.com",
        "a b@example.com",
        "",
    ],
)
def test_invalid_email_is_a_clear_validation_error(email: str) -> None:
    with pytest.raises(TicketValidationError, match=r"^Invalid ticket: identity\.email: "):
        ticket(email=email)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("details", "x" * 8001, "details is too long"),
        ("username", "u" * 201, "username is too long"),
        ("child_account", "c" * 201, "child_account is too long"),
        ("phone", "call me maybe", "identity.phone"),
        ("session_id", "", "session_id"),
        ("cited_clause_ids", tuple(f"c{i}" for i in range(51)), "cited_clause_ids"),
        ("corrections", tuple(Correction("a", "b") for _ in range(21)), "at most 20 corrections"),
        ("request_type", "delete_everything", "unknown request type"),
    ],
)
def test_bad_fields_are_rejected_with_a_human_message(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(TicketValidationError, match=re.escape(message)):
        ticket(**{field: value})


def test_naive_timestamps_are_rejected() -> None:
    with pytest.raises(TicketValidationError, match="received_at"):
        build_ticket(draft(), datetime(2026, 1, 1), "DSR-2026-ABCDEFGH")


def test_free_text_is_redacted_in_the_record() -> None:
    made = ticket(
        details="my pw: hunter2",
        username="sk-live0123456789abcdefghij",
        corrections=(Correction("card on file", "4111 1111 1111 1111"),),
    )
    dumped = made.model_dump_json()
    for secret in ("hunter2", "sk-live0123456789abcdefghij", "4111 1111 1111 1111"):
        assert secret not in dumped
    note = made.audit[0].note or ""
    assert note == "filed via chat; redacted: api_key, password, payment_card"


def test_records_forbid_unknown_fields() -> None:
    data = ticket().model_dump(mode="json")
    data["surprise"] = 1
    with pytest.raises(ValueError, match="surprise"):
        DsrTicket.model_validate(data)


def test_a_ticket_survives_a_json_round_trip() -> None:
    made = ticket(details="x'; DROP TABLE tickets;--", corrections=(Correction("name", "Ada"),))
    assert DsrTicket.model_validate_json(made.model_dump_json()) == made


def test_overdue_means_open_and_past_due() -> None:
    made = ticket()
    assert not made.is_overdue(made.due_at)
    assert made.is_overdue(made.due_at + timedelta(seconds=1))
    assert not _with(made, TicketStatus.COMPLETED).is_overdue(made.due_at + timedelta(days=1))


# --- exported schema -----------------------------------------------------------------------


def test_exported_schema_is_in_sync() -> None:
    """Regenerate with: privacy-assistant tickets schema --write"""
    assert SCHEMA_PATH.exists(), "run: privacy-assistant tickets schema --write"
    on_disk = SCHEMA_PATH.read_text(encoding="utf-8")
    stale = (
        "evals/schemas/dsr-ticket.schema.json is stale: privacy-assistant tickets schema --write"
    )
    assert json.loads(on_disk) == DsrTicket.model_json_schema(), stale
    assert on_disk == ticket_json_schema()


def test_schema_validates_a_real_ticket() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validate(ticket().model_dump(mode="json"), schema)
    broken = ticket().model_dump(mode="json") | {"status": "lost"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
