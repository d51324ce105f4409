"""Log redaction: records (message, arguments, traceback) and printed lines lose their secrets."""

from __future__ import annotations

import io
import logging

from assistant.log_redaction import RedactingFilter, RedactingStream, redact_record

CARD = "4111 1111 1111 1111"
PASSWORD = "hunter2hunter2"


def record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("t", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_message_arguments_and_traceback_are_redacted() -> None:
    try:
        raise ValueError(f"Received inputs: ['card {CARD}']")
    except ValueError as error:
        failed = record("turn failed for %s", f"password: {PASSWORD}", exc=error)
    formatted = logging.Formatter().format(redact_record(failed))
    assert "turn failed for" in formatted and "ValueError" in formatted
    assert CARD not in formatted and PASSWORD not in formatted
    assert "[REDACTED:payment_card]" in formatted


def test_the_filter_redacts_what_a_handler_writes() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.log_redaction")
    logger.addHandler(handler)
    try:
        logger.error("inputs: %r", [f"my card is {CARD}"])
    finally:
        logger.removeHandler(handler)
    assert CARD not in out.getvalue() and "[REDACTED:payment_card]" in out.getvalue()


def test_a_secret_split_across_writes_is_still_redacted() -> None:
    target = io.StringIO()
    stream = RedactingStream(target)
    stream.write('    ["my card is 4111 1111 ')
    stream.write("1111 1111 and my password is ")
    stream.write(f'{PASSWORD}"]\nnext line')
    assert target.getvalue().endswith("\n") and CARD not in target.getvalue()
    stream.flush()
    assert target.getvalue().endswith("next line")
    assert PASSWORD not in target.getvalue()


def test_an_endless_line_is_written_in_bounded_pieces() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, max_line=1000)
    stream.write("x" * 5000)
    assert len(target.getvalue()) == 5000
