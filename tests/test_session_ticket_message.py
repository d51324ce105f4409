"""A chat ticket keeps what the customer wrote (redacted) for the staff who handle it."""

from __future__ import annotations

from pathlib import Path

from assistant.session import Assistant


def test_a_chat_ticket_keeps_the_customers_words(tmp_path: Path) -> None:
    assistant = Assistant.for_testing(tmp_path / "data")
    said = ["Please delete my account, my password is Hunter2!x", "jane@example.com", "yes"]
    for message in said:
        filed = assistant.respond("m1", message)
    assert filed.ticket is not None
    kept = assistant.tickets.customer_message(filed.ticket.id)
    assert kept is not None and "Please delete my account" in kept
    assert "jane@example.com" in kept
    assert "Hunter2" not in kept
    assert assistant.tickets.get(filed.ticket.id).audit[0].actor == "assistant"  # type: ignore[union-attr]
