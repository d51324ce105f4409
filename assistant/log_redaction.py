"""Nothing written to the process log carries a secret a customer typed.

Libraries log and print user input in their error traces (Gradio prints ``Received
inputs: [...]`` to stderr when a call is malformed), so redaction cannot rely on every
caller remembering to call ``redact``. ``install`` makes it a property of the process:

- every ``logging`` record is redacted when it is created (message, arguments and the
  formatted exception), whatever handler later writes it;
- ``sys.stdout`` and ``sys.stderr`` become line-buffered redacting streams, which covers
  ``print`` and ``traceback.print_exc``.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import traceback
from typing import Any, TextIO

from assistant.redaction import redact

_install_lock = threading.Lock()


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact ``record`` in place: the formatted message and any exception text."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep the raw template, never the arguments
        message = str(record.msg)
    record.msg, record.args = redact(message).text, None
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = redact(record.exc_text).text
    if record.stack_info:
        record.stack_info = redact(record.stack_info).text
    return record


class RedactingFilter(logging.Filter):
    """For handlers set up outside ``install`` (tests, embedding applications)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


class RedactingStream(io.TextIOBase):
    """A text stream that redacts whole lines before passing them on.

    Lines are buffered until their newline (a traceback is written piecemeal, and a
    secret must not escape by being split across two writes); ``flush`` writes what is
    left. Bounded: a line longer than ``max_line`` is redacted and written in pieces.
    """

    def __init__(self, target: TextIO, max_line: int = 64_000) -> None:
        super().__init__()
        self.target = target
        self.max_line = max_line
        self._pending = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            head, newline, tail = self._pending.rpartition("\n")
            if newline:
                self.target.write(redact(head + newline).text)
                self._pending = tail
            if len(self._pending) > self.max_line:
                self.target.write(redact(self._pending).text)
                self._pending = ""
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self.target.write(redact(self._pending).text)
                self._pending = ""
            self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.target, "encoding", "utf-8")


def install() -> None:
    """Redact every log record and everything printed to stdout/stderr, once per process."""
    with _install_lock:
        if isinstance(sys.stderr, RedactingStream):
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redact_record(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        sys.stdout = RedactingStream(sys.stdout)
        sys.stderr = RedactingStream(sys.stderr)
