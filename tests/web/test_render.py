"""Reply → chat markdown: markers, Sources, badges, escaping."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from assistant.contract import Citation, ErrorInfo, Reply, RequestState, TicketSummary
from assistant.web.render import (
    awaiting_confirmation,
    format_date,
    policy_note,
    render_reply,
    render_user_message,
    sources_block,
    with_markers,
)
from assistant.web.texts import WebTexts


def cite(quote: str, section: str = "Cookies", start: int = 0) -> Citation:
    return Citation(
        clause_id=f"c-{start}", section=section, quote=quote, start=start, end=start + len(quote)
    )


def reply(text: str, **fields: object) -> Reply:
    return Reply.model_validate({"session": "s", "reply": text, "intent": "question", **fields})


def markers_in(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<sup class="wa-cite">\[(\d+)\]</sup>', html)]


def test_markers_written_by_the_generator_stay_where_they_are() -> None:
    out = with_markers("We use cookies [1]. We share data [2].", [cite("a"), cite("b", start=5)])
    assert out.index("[1]") < out.index("We share")
    assert markers_in(out) == [1, 2]


def test_unmarked_citation_is_placed_after_its_quote() -> None:
    quote = "Cookies are small files."
    out = with_markers(f'The policy says "{quote}" and more text.', [cite(quote)])
    assert markers_in(out) == [1]
    assert out.index("<sup") == out.index(quote) + len(quote)


def test_unmarked_citation_whose_quote_is_absent_goes_at_the_end() -> None:
    out = with_markers("Short paraphrase.  ", [cite("Not repeated anywhere in the text.")])
    assert out.endswith('Short paraphrase.<sup class="wa-cite">[1]</sup>  ')


def test_only_the_opening_of_a_long_quote_needs_to_match() -> None:
    quote = "When you register on our Site, we request certain personal information. " * 3
    text = (
        "In short: When you register on our Site, we request certain personal information, "
        "say. Next."
    )
    out = with_markers(text, [cite(quote)])
    assert out.index("<sup") == out.index("say.") + len("say.")


def test_out_of_range_markers_are_left_as_text() -> None:
    out = with_markers("See [3] and [1].", [cite("x")])
    assert markers_in(out) == [1]
    assert "See [3]" in out


def test_reply_text_is_html_escaped() -> None:
    out = with_markers("<script>alert(1)</script> & co", [])
    assert "<script>" not in out
    assert "&lt;script&gt;" in out and "&amp; co" in out


def test_sources_block_is_collapsed_numbered_and_verbatim(texts: WebTexts) -> None:
    quotes = ["First <b>quote</b>.", "Second quote\nwith a line break."]
    block = sources_block([cite(q, section=f"S{i}") for i, q in enumerate(quotes)], "Sources")
    assert block.startswith('<details class="wa-sources">')
    assert "<summary>Sources (2)</summary>" in block
    assert "\n" not in block  # one HTML block for the Markdown renderer
    assert "First &lt;b&gt;quote&lt;/b&gt;." in block
    assert "Second quote<br>with a line break." in block
    assert re.findall(r'<li value="(\d)">', block) == ["1", "2"]
    assert block.index("S0") < block.index("S1")


def test_sources_block_can_start_open() -> None:
    assert sources_block([cite("q")], "Sources", open_=True).startswith(
        '<details class="wa-sources" open>'
    )
    assert sources_block([], "Sources") == ""


def test_answer_has_markers_and_sources_but_no_badge(texts: WebTexts) -> None:
    out = render_reply(reply("Cookies are used [1].", citations=[cite("q")]), texts)
    assert markers_in(out) == [1]
    assert "wa-sources" in out
    assert "wa-badge" not in out


def test_abstention_carries_the_badge(texts: WebTexts) -> None:
    out = render_reply(reply("The policy does not say.", abstained=True), texts)
    assert out.startswith('<span class="wa-badge wa-badge-abstain">')
    assert texts.chat.abstain_badge in out
    assert "wa-sources" not in out


def test_a_closest_passage_says_so_instead_of_not_covered(texts: WebTexts) -> None:
    message = "I'm not sure the policy answers exactly that. The closest it comes: q [1]."
    out = render_reply(
        reply(message, abstained=True, closest_passage=True, citations=[cite("q")]), texts
    )
    assert texts.chat.closest_badge in out and texts.chat.abstain_badge not in out
    assert markers_in(out) == [1] and "wa-sources" in out


@pytest.mark.parametrize(
    ("code", "badged"), [("internal_error", True), ("message_too_long", False)]
)
def test_errors_badge_only_when_something_broke(texts: WebTexts, code: str, badged: bool) -> None:
    out = render_reply(reply("msg", error=ErrorInfo(code=code, message="msg")), texts)
    assert ("wa-badge-error" in out) is badged


def test_request_in_progress_shows_type_and_status(texts: WebTexts) -> None:
    state = RequestState(request_type="erasure", status="awaiting_confirmation")
    out = render_reply(reply("File it?", intent="rights_request", request=state), texts)
    assert texts.request_label("erasure") in out
    assert texts.status_label("awaiting_confirmation") in out


def test_filed_ticket_shows_id_and_due_date(texts: WebTexts) -> None:
    received = datetime(2024, 1, 31, 9, 0, tzinfo=UTC)
    due = datetime(2024, 2, 29, 9, 0, tzinfo=UTC)
    ticket = TicketSummary(
        id="DSR-2024-ABCDEFGH",
        request_type="erasure",
        status="received",
        email="a@example.com",
        received_at=received,
        due_at=due,
    )
    state = RequestState(request_type="erasure", status="filed", ticket_id=ticket.id)
    out = render_reply(
        reply("Filed.", intent="rights_request", request=state, ticket=ticket), texts
    )
    assert "DSR-2024-ABCDEFGH" in out
    assert "February 29, 2024" in out
    assert "wa-badge-request" not in out  # the ticket card replaces the in-progress badge


def test_awaiting_confirmation_only_for_unfiled_requests() -> None:
    waiting = RequestState(request_type="access", status="awaiting_confirmation")
    assert awaiting_confirmation(reply("?", request=waiting))
    filed = RequestState(request_type="access", status="filed")
    assert not awaiting_confirmation(reply("ok", request=filed))
    assert not awaiting_confirmation(reply("hi"))
    assert not awaiting_confirmation(None)


def test_policy_note_names_the_company_once(texts: WebTexts) -> None:
    note = policy_note("Privacy Policy", date(2024, 6, 7), texts)
    assert note == "Answers come from the WorkAllies Privacy Policy, last updated June 7, 2024."
    assert policy_note("WorkAllies Privacy Notice", None, texts).count("WorkAllies") == 1


def test_user_messages_are_escaped_and_dates_are_readable() -> None:
    assert (
        render_user_message("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    )
    assert format_date(date(2025, 12, 1)) == "December 1, 2025"
