"""Keep passwords and card numbers out of slots: redact before anything reads the message.

The project's redactor (``assistant.redaction``) masks each secret as
``[REDACTED:<kind>]``; the flow reads only the redacted text and ``flow._keep`` refuses
any slot value containing a mask, so a secret can neither be copied into a slot nor
leave a mask behind in one.

On top of that, a password *stated in words* is masked here: "my bank login is
correcthorsebatterystaple", "the password for my email is ...", "pass: ...". In a chat
about one's account, "my login is X" is as likely a password as a username, and a
username is never required, so the value is dropped rather than risked in a ticket.
Email addresses after "login" stay: "my login is jane@example.com" names the account.
"""

from __future__ import annotations

import re

from assistant.redaction import MASK_PREFIX, SecretKind, mask, redact

__all__ = ["MASK_PREFIX", "scrub", "scrub_stated_passwords"]

_CREDENTIAL = (
    r"(?:password|passwd|passphrase|passcode|pwd|pw|pass|pin|login|log-in|log in|sign-in|"
    r"credentials?)"
)
# "<credential> [for|to|on|of <up to 3 words>] is|was|: <value>"
_STATED = re.compile(
    rf"(?i)\b{_CREDENTIAL}\b(?:\s+(?:for|to|on|of|at)\s+(?:[\w.@-]+\s+){{0,2}}?[\w.@-]+)?"
    r"(?:\s*[:=]\s*|\s+(?:is|was|is\s+now|are|would\s+be|reads)\s*[:=]?\s*)"
    r"(?!\[REDACTED:)['\"`]?(?P<value>[^\s'\"`]+?)['\"`]?(?=[.,;!?)]*(?:\s|$))"
)
_EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def scrub_stated_passwords(text: str) -> tuple[str, bool]:
    """(text with passwords stated in words masked, whether any were)."""
    found = False

    def _mask(match: re.Match[str]) -> str:
        nonlocal found
        value = match.group("value")
        if _EMAIL_LIKE.match(value.rstrip(".,;!?")):
            return match.group(0)
        found = True
        start, end = match.span("value")
        whole = match.group(0)
        offset = match.start()
        return whole[: start - offset] + mask(SecretKind.PASSWORD) + whole[end - offset :]

    return _STATED.sub(_mask, text), found


def scrub(text: str) -> tuple[str, bool]:
    """(text without secrets, whether any were found in *this* text). Already-masked
    text (the session redacts first) reports nothing new, so no duplicate notice."""
    result = redact(text)
    cleaned, stated = scrub_stated_passwords(result.text)
    return cleaned, bool(result.found) or stated
