"""Keep passwords and card numbers out of slots: redact before anything reads the message.

The project's redactor (``assistant.redaction``) masks each secret as
``[REDACTED:<kind>]``; the flow reads only the redacted text and ``flow._keep`` refuses
any slot value containing a mask, so a secret can neither be copied into a slot nor
leave a mask behind in one.
"""

from __future__ import annotations

from assistant.redaction import MASK_PREFIX, redact

__all__ = ["MASK_PREFIX", "scrub"]


def scrub(text: str) -> tuple[str, bool]:
    """(text without secrets, whether any were found in *this* text). Already-masked
    text (the session redacts first) reports nothing new, so no duplicate notice."""
    result = redact(text)
    return result.text, bool(result.found)
