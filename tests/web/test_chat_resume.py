"""Resuming a chat after a page reload: only by the token that chat was given."""

from __future__ import annotations

import pytest

from assistant.web.chat_session import ChatSession, ResumableChats


def test_a_chat_is_found_by_its_own_token_only() -> None:
    chats = ResumableChats()
    mine, other = ChatSession(), ChatSession()
    chats.keep(mine)
    chats.keep(other)
    assert chats.resume(mine.resume_token) is mine
    assert chats.resume(other.resume_token) is other
    assert mine.resume_token != mine.id  # the session id itself never goes to the browser


@pytest.mark.parametrize("token", [None, "", 42, "x" * 31, "x" * 33, "../../etc", "a b" * 11])
def test_anything_else_starts_afresh(token: object) -> None:
    chats = ResumableChats()
    chats.keep(ChatSession())
    assert chats.resume(token) is None


def test_unknown_well_formed_token_starts_afresh() -> None:
    chats = ResumableChats()
    chats.keep(ChatSession())
    assert chats.resume(ChatSession().resume_token) is None


def test_idle_chats_expire() -> None:
    chats = ResumableChats(idle_seconds=0)
    chat = ChatSession()
    chats.keep(chat)
    assert chats.resume(chat.resume_token) is None


def test_the_registry_is_bounded() -> None:
    chats = ResumableChats(max_chats=2)
    first, *rest = [ChatSession() for _ in range(3)]
    for chat in (first, *rest):
        chats.keep(chat)
    assert chats.resume(first.resume_token) is None
    assert all(chats.resume(c.resume_token) is c for c in rest)
