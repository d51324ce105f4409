"""The web app's wording, loaded from ``assistant/templates/web/texts.yaml`` and validated.

Validation at load time means a missing or misspelt key fails at start-up, not when a user
first reaches the screen that needs it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

TEMPLATE_PACKAGE = "assistant.templates"


class _Texts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChatTexts(_Texts):
    page_title: str
    heading: str
    intro: str
    policy_note: str
    policy_note_undated: str
    conversation_label: str
    input_label: str
    input_placeholder: str
    send: str
    confirm: str
    cancel: str
    confirm_message: str
    cancel_message: str
    confirm_hint: str
    examples: list[str] = Field(min_length=1)
    abstain_badge: str
    closest_badge: str
    error_badge: str
    sources: str
    request_badge: str
    ticket_filed: str
    ticket_details: str
    too_long: str
    rate_limited: str
    internal_error: str
    not_restored: str


class ConsoleTexts(_Texts):
    page_title: str
    heading: str
    intro: str
    customer_label: str
    customer_placeholder: str
    draft: str
    reply_label: str
    copy_reply: str
    copied: str
    citations_heading: str
    no_citations: str
    abstained: str
    secrets_removed: str
    ticket_heading: str
    no_request: str
    detected_request: str
    detected_requests: str
    pick_label: str
    missing_fields: str
    type_label: str
    email_label: str
    username_label: str
    details_label: str
    file: str
    filed: str
    already_filed: str
    file_failed: str
    choose_type: str
    email_missing: str
    draft_failed: str
    empty_message: str
    logout: str


class TicketsTexts(_Texts):
    page_title: str
    heading: str
    search_label: str
    search_placeholder: str
    status_filter: str
    type_filter: str
    overdue_only: str
    any: str
    refresh: str
    table_label: str
    columns: list[str] = Field(min_length=8, max_length=8)
    overdue_mark: str
    count: str
    empty: str
    select_label: str
    select_placeholder: str
    detail_heading: str
    field_column: str
    value_column: str
    audit_heading: str
    audit_columns: list[str] = Field(min_length=5, max_length=5)
    new_status: str
    note_label: str
    update: str
    updated: str
    update_failed: str
    unchanged: str
    message_heading: str
    final: str
    no_selection: str


class LoginTexts(_Texts):
    title: str
    heading: str
    intro: str
    username: str
    password: str
    submit: str
    failed: str
    throttled: str


class WebTexts(_Texts):
    company: str
    request_labels: dict[str, str]
    status_labels: dict[str, str]
    chat: ChatTexts
    console: ConsoleTexts
    tickets: TicketsTexts
    login: LoginTexts

    def policy_name(self, policy_title: str) -> str:
        """ "Privacy Policy" → "WorkAllies Privacy Policy"; a title naming the company stays."""
        if self.company.lower() in policy_title.lower():
            return policy_title
        return f"{self.company} {policy_title}"

    def request_label(self, request_type: str) -> str:
        return self.request_labels.get(request_type, request_type.replace("_", " "))

    def status_label(self, status: str) -> str:
        return self.status_labels.get(status, status.replace("_", " "))


def read_template_file(name: str) -> str:
    """A file from ``assistant/templates/web/`` (HTML, CSS or YAML)."""
    return resources.files(TEMPLATE_PACKAGE).joinpath("web", name).read_text(encoding="utf-8")


@cache
def load_texts() -> WebTexts:
    data = yaml.safe_load(read_template_file("texts.yaml"))
    return WebTexts.model_validate(data)
