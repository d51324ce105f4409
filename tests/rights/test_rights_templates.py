"""The flow's wording is data: complete, and checked at load."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from assistant.rights.templates import RightsTemplates, wording
from assistant.templates import load_template


def _raw() -> dict[str, Any]:
    return copy.deepcopy(load_template("rights"))


def test_shipped_templates_are_valid() -> None:
    text = wording()
    assert "one month" in text.confirm_footer and "verify your identity" in text.confirm_footer
    assert "password" in text.secrets_notice.lower()


def test_unknown_placeholder_fails_at_load() -> None:
    raw = _raw()
    raw["questions"]["correction_value"] = "What should {corection_what} say?"
    with pytest.raises(ValidationError, match="corection_what"):
        RightsTemplates.model_validate(raw)


def test_a_missing_request_type_fails_at_load() -> None:
    raw = _raw()
    del raw["summaries"]["erasure"]
    with pytest.raises(ValidationError, match="erasure"):
        RightsTemplates.model_validate(raw)


def test_unexpected_keys_are_rejected() -> None:
    raw = _raw()
    raw["greeting"] = "hi"
    with pytest.raises(ValidationError):
        RightsTemplates.model_validate(raw)


def test_user_text_is_never_parsed_as_a_template() -> None:
    from assistant.rights.templates import summary
    from assistant.tickets import RequestType

    slots = {"email": "a@b.co", "correction_what": "{email}", "correction_value": "{0}{x"}
    text = summary(RequestType.RECTIFICATION, slots)
    assert '{email} to "{0}{x"' in text
